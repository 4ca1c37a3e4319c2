//! The error table. One line per error: constant, code, SQLSTATE, TiDB name, template.

use crate::ErrCode;

macro_rules! errors {
    ($($konst:ident = $code:literal, $state:literal, $name:literal, $tpl:literal;)*) => {
        $(
            #[doc = concat!("`", $code, "` (", $state, ") ", $name, ": ", $tpl)]
            pub const $konst: ErrCode =
                ErrCode { code: $code, state: $state, name: $name, template: $tpl };
        )*
        /// Every registered error, in table order.
        pub const ALL: &[ErrCode] = &[$($konst),*];
    };
}

errors! {
    ER_CON_COUNT_ERROR = 1040, "08004", "ErrConCount", "Too many connections";
    ER_HANDSHAKE_ERROR = 1043, "08S01", "ErrHandshake", "Bad handshake";
    ER_DBACCESS_DENIED = 1044, "42000", "ErrDBaccessDenied", "Access denied for user '%s'@'%s' to database '%s'";
    ER_ACCESS_DENIED = 1045, "28000", "ErrAccessDenied", "Access denied for user '%s'@'%s' (using password: %s)";
    ER_NO_DB = 1046, "3D000", "ErrNoDB", "No database selected";
    ER_UNKNOWN_COM = 1047, "08S01", "ErrUnknownCom", "Unknown command";
    ER_BAD_NULL = 1048, "23000", "ErrBadNull", "Column '%s' cannot be null";
    ER_BAD_DB = 1049, "42000", "ErrBadDB", "Unknown database '%s'";
    ER_TABLE_EXISTS = 1050, "42S01", "ErrTableExists", "Table '%s' already exists";
    ER_BAD_TABLE = 1051, "42S02", "ErrBadTable", "Unknown table '%s'";
    ER_NON_UNIQ = 1052, "23000", "ErrNonUniq", "Column '%s' in %s is ambiguous";
    ER_SERVER_SHUTDOWN = 1053, "08S01", "ErrServerShutdown", "Server shutdown in progress";
    ER_BAD_FIELD = 1054, "42S22", "ErrBadField", "Unknown column '%s' in '%s'";
    ER_WRONG_FIELD_WITH_GROUP = 1055, "42000", "ErrFieldNotInGroupBy", "Expression #%d of %s is not in GROUP BY clause and contains nonaggregated column '%s' which is not functionally dependent on columns in GROUP BY clause; this is incompatible with sql_mode=only_full_group_by";
    ER_DUP_FIELDNAME = 1060, "42S21", "ErrDupFieldName", "Duplicate column name '%s'";
    ER_DUP_KEYNAME = 1061, "42000", "ErrDupKeyName", "Duplicate key name '%s'";
    ER_DUP_ENTRY = 1062, "23000", "ErrDupEntry", "Duplicate entry '%s' for key '%s'";
    ER_PARSE = 1064, "42000", "ErrParse", "You have an error in your SQL syntax; check the manual that corresponds to your TiDB version for the right syntax to use near '%s' at line %d";
    ER_EMPTY_QUERY = 1065, "42000", "ErrEmptyQuery", "Query was empty";
    ER_NONUNIQ_TABLE = 1066, "42000", "ErrNonuniqTable", "Not unique table/alias: '%s'";
    ER_TOO_MANY_TABLES = 1116, "HY000", "ErrTooManyTables", "Too many tables; MySQL can only use %d tables in a join";
    ER_INVALID_DEFAULT = 1067, "42000", "ErrInvalidDefault", "Invalid default value for '%s'";
    ER_MULTIPLE_PRI_KEY = 1068, "42000", "ErrMultiplePriKey", "Multiple primary key defined";
    ER_TOO_LONG_KEY = 1071, "42000", "ErrTooLongKey", "Specified key was too long (%d bytes); max key length is %d bytes";
    ER_KEY_COLUMN_DOES_NOT_EXIST = 1072, "42000", "ErrKeyColumnDoesNotExits", "Key column '%s' doesn't exist in table";
    ER_WRONG_FIELD_SPEC = 1063, "42000", "ErrWrongFieldSpec", "Incorrect column specifier for column '%s'";
    ER_WRONG_AUTO_KEY = 1075, "42000", "ErrWrongAutoKey", "Incorrect table definition; there can be only one auto column and it must be defined as a key";
    ER_CANT_REMOVE_ALL_FIELDS = 1090, "42000", "ErrCantRemoveAllFields", "You can't delete all columns with ALTER TABLE; use DROP TABLE instead";
    ER_CANT_DROP_FIELD_OR_KEY = 1091, "42000", "ErrCantDropFieldOrKey", "Can't DROP '%s'; check that column/key exists";
    ER_USER_LOCK_WRONG_NAME = 3057, "42000", "ErrUserLockWrongName", "Incorrect user-level lock name '%s'.";
    ER_USER_LOCK_DEADLOCK = 3058, "40001", "ErrUserLockDeadlock", "Deadlock found when trying to get user-level lock; try rolling back transaction/releasing locks and restarting lock acquisition.";
    ER_WRONG_VALUE_FOR_TYPE = 1411, "HY000", "ErrWrongValueForType", "Incorrect %s value: '%s' for function %s";
    ER_NOT_ALLOWED_COMMAND = 1148, "42000", "ErrNotAllowedCommand", "The used command is not allowed with this TiDB version";
    ER_UNKNOWN_TABLE = 1109, "42S02", "ErrUnknownTable", "Unknown table '%s' in %s";
    ER_WRONG_USAGE = 1221, "HY000", "ErrWrongUsage", "Incorrect usage of %s and %s";
    ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT = 1222, "21000", "ErrWrongNumberOfColumnsInSelect", "The used SELECT statements have a different number of columns";
    ER_DERIVED_MUST_HAVE_ALIAS = 1248, "42000", "ErrDerivedMustHaveAlias", "Every derived table must have its own alias";
    ER_NO_TABLES_USED = 1096, "HY000", "ErrNoTablesUsed", "No tables used";
    ER_MIX_OF_GROUP_FUNC_AND_FIELDS = 1140, "42000", "ErrMixOfGroupFuncAndFields", "In aggregated query without GROUP BY, expression #1 of SELECT list contains nonaggregated column; this is incompatible with sql_mode=only_full_group_by";
    ER_UNKNOWN_SYSTEM_VARIABLE = 1193, "HY000", "ErrUnknownSystemVariable", "Unknown system variable '%s'";
    ER_NET_PACKET_TOO_LARGE = 1153, "08S01", "ErrNetPacketTooLarge", "Got a packet bigger than 'max_allowed_packet' bytes";
    ER_NET_PACKETS_OUT_OF_ORDER = 1156, "08S01", "ErrNetPacketsOutOfOrder", "Got packets out of order";
    ER_MALFORMED_PACKET = 1835, "HY000", "ErrMalformedPacket", "Malformed communication packet.";
    ER_CLIENT_INTERACTION_TIMEOUT = 4031, "HY000", "ErrClientInteractionTimeout", "The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.";
    ER_NET_READ_ERROR = 1158, "08S01", "ErrNetReadError", "Got an error reading communication packets";
    ER_NET_READ_INTERRUPTED = 1159, "08S01", "ErrNetReadInterrupted", "Got timeout reading communication packets";
    ER_TOO_BIG_FIELDLENGTH = 1074, "42000", "ErrTooBigFieldlength", "Column length too big for column '%s' (max = %d); use BLOB or TEXT instead";
    ER_WRONG_VALUE = 1525, "HY000", "ErrWrongValue", "Incorrect %s value: '%s'";
    ER_WRONG_VALUE_COUNT_ON_ROW = 1136, "21S01", "ErrWrongValueCountOnRow", "Column count doesn't match value count at row %d";
    ER_NO_SUCH_TABLE = 1146, "42S02", "ErrNoSuchTable", "Table '%s.%s' doesn't exist";
    ER_SYNTAX_ERROR = 1149, "42000", "ErrSyntax", "You have an error in your SQL syntax; check the manual that corresponds to your TiDB version for the right syntax to use";
    ER_LOCK_WAIT_TIMEOUT = 1205, "HY000", "ErrLockWaitTimeout", "Lock wait timeout exceeded; try restarting transaction";
    ER_READ_ONLY_TRANSACTION = 1207, "25000", "ErrReadOnlyTransaction", "Update locks cannot be acquired during a READ UNCOMMITTED transaction";
    ER_LOCK_DEADLOCK = 1213, "40001", "ErrLockDeadlock", "Deadlock found when trying to get lock; try restarting transaction";
    ER_WRONG_ARGUMENTS = 1210, "HY000", "ErrWrongArguments", "Incorrect arguments to %s";
    ER_NO_REFERENCED_ROW = 1216, "23000", "ErrNoReferencedRow", "Cannot add or update a child row: a foreign key constraint fails";
    ER_ROW_IS_REFERENCED = 1217, "23000", "ErrRowIsReferenced", "Cannot delete or update a parent row: a foreign key constraint fails";
    ER_LOCAL_VARIABLE = 1228, "HY000", "ErrLocalVariable", "Variable '%s' is a SESSION variable and can't be used with SET GLOBAL";
    ER_GLOBAL_VARIABLE = 1229, "HY000", "ErrGlobalVariable", "Variable '%s' is a GLOBAL variable and should be set with SET GLOBAL";
    ER_INCORRECT_GLOBAL_LOCAL_VAR = 1238, "HY000", "ErrIncorrectGlobalLocalVar", "Variable '%s' is a %s variable";
    ER_WRONG_VALUE_FOR_VAR = 1231, "42000", "ErrWrongValueForVar", "Variable '%s' can't be set to the value of '%s'";
    ER_WRONG_TYPE_FOR_VAR = 1232, "42000", "ErrWrongTypeForVar", "Incorrect argument type to variable '%s'";
    ER_VAR_CANT_BE_READ = 1233, "HY000", "ErrVarCantBeRead", "Variable '%s' can only be set, not read";
    ER_NOT_SUPPORTED_YET = 1235, "42000", "ErrNotSupportedYet", "This version of TiDB doesn't yet support '%s'";
    ER_OPERAND_COLUMNS = 1241, "21000", "ErrOperandColumns", "Operand should contain %d column(s)";
    ER_SUBQUERY_NO_1_ROW = 1242, "21000", "ErrSubqueryNo1Row", "Subquery returns more than 1 row";
    ER_UNKNOWN_STMT_HANDLER = 1243, "HY000", "ErrUnknownStmtHandler", "Unknown prepared statement handler (%.*s) given to %s";
    ER_ILLEGAL_REFERENCE = 1247, "42S22", "ErrIllegalReference", "Reference '%s' not supported (%s)";
    ER_WARN_DATA_OUT_OF_RANGE = 1264, "22003", "ErrWarnDataOutOfRange", "Out of range value for column '%s' at row %d";
    ER_WARN_DATA_TRUNCATED = 1265, "01000", "WarnDataTruncated", "Data truncated for column '%s' at row %d";
    ER_TRUNCATED_WRONG_VALUE = 1292, "22007", "ErrTruncatedWrongValue", "Truncated incorrect %s value: '%s'";
    ER_UNKNOWN_TIME_ZONE = 1298, "HY000", "ErrUnknownTimeZone", "Unknown or incorrect time zone: '%s'";
    ER_SP_DOES_NOT_EXIST = 1305, "42000", "ErrSpDoesNotExist", "%s %s does not exist";
    ER_QUERY_INTERRUPTED = 1317, "70100", "ErrQueryInterrupted", "Query execution was interrupted";
    ER_NO_DEFAULT_FOR_FIELD = 1364, "HY000", "ErrNoDefaultForField", "Field '%s' doesn't have a default value";
    ER_TRUNCATED_WRONG_VALUE_FOR_FIELD = 1366, "HY000", "ErrTruncatedWrongValueForField", "Incorrect %s value: '%s' for column '%s' at row %d";
    ER_DATA_TOO_LONG = 1406, "22001", "ErrDataTooLong", "Data too long for column '%s' at row %d";
    ER_CANT_CREATE_DB_EXISTS = 1007, "HY000", "ErrDBCreateExists", "Can't create database '%s'; database exists";
    ER_DB_DROP_EXISTS = 1008, "HY000", "ErrDBDropExists", "Can't drop database '%s'; database doesn't exist";
    ER_NO_REFERENCED_ROW_2 = 1452, "23000", "ErrNoReferencedRow2", "Cannot add or update a child row: a foreign key constraint fails (%s)";
    ER_ROW_IS_REFERENCED_2 = 1451, "23000", "ErrRowIsReferenced2", "Cannot delete or update a parent row: a foreign key constraint fails (%s)";
    ER_INVALID_CHARACTER_STRING = 1300, "HY000", "ErrInvalidCharacterString", "Invalid %s character string: '%s'";
    ER_UNKNOWN_CHARACTER_SET = 1115, "42000", "ErrUnknownCharacterSet", "Unknown character set: '%s'";
    ER_UNKNOWN_COLLATION = 1273, "HY000", "ErrUnknownCollation", "Unknown collation: '%s'";
    ER_DIVISION_BY_ZERO = 1365, "22012", "ErrDivisionByZero", "Division by 0";
    ER_DATA_OUT_OF_RANGE = 1690, "22003", "ErrDataOutOfRange", "%s value is out of range in '%s'";
    ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION = 1792, "25006", "ErrCantExecuteInReadOnlyTransaction", "Cannot execute statement in a READ ONLY transaction.";
    ER_MUST_CHANGE_PASSWORD = 1820, "HY000", "ErrMustChangePassword", "You must reset your password using ALTER USER statement before executing this statement.";
    ER_FK_NO_INDEX_PARENT = 1822, "HY000", "ErrFkNoIndexParent", "Failed to add the foreign key constraint. Missing index for constraint '%s' in the referenced table '%s'";
    ER_FK_COLUMN_NOT_NULL = 1830, "HY000", "ErrFkColumnNotNull", "Column '%s' cannot be NOT NULL: needed in a foreign key constraint '%s' SET NULL";
    ER_FK_CANNOT_DROP_PARENT = 3730, "HY000", "ErrFkCannotDropParent", "Cannot drop table '%s' referenced by a foreign key constraint '%s' on table '%s'.";
    ER_FK_DEPTH_EXCEEDED = 3008, "HY000", "ErrForeignKeyCascadeDepthExceeded", "Foreign key cascade delete/update exceeds max depth of %d.";
    ER_INVALID_JSON_TEXT = 3140, "22032", "ErrInvalidJSONText", "Invalid JSON text: %s";
    ER_SECURE_TRANSPORT_REQUIRED = 3159, "HY000", "ErrSecureTransportRequired", "Connections using insecure transport are prohibited while --require_secure_transport=ON.";
    ER_INTERNAL = 1105, "HY000", "ErrUnknown", "%s";
    ER_INVALID_GROUP_FUNC_USE = 1111, "HY000", "ErrInvalidGroupFuncUse", "Invalid use of group function";
    ER_WRONG_DB_NAME = 1102, "42000", "ErrWrongDBName", "Incorrect database name '%s'";
    ER_WRONG_TABLE_NAME = 1103, "42000", "ErrWrongTableName", "Incorrect table name '%s'";
    ER_WRONG_COLUMN_NAME = 1166, "42000", "ErrWrongColumnName", "Incorrect column name '%s'";
    ER_TOO_BIG_PRECISION = 1426, "42000", "ErrTooBigPrecision", "Too-big precision %d specified for '%s'. Maximum is %d.";
    ER_TOO_BIG_SCALE = 1425, "42000", "ErrTooBigScale", "Too big scale %d specified for column '%s'. Maximum is %d.";
    ER_TOO_MANY_KEY_PARTS = 1070, "42000", "ErrTooManyKeyParts", "Too many key parts specified; max %d parts allowed";
    ER_CUT_VALUE_GROUP_CONCAT = 1260, "HY000", "ErrCutValueGroupConcat", "Row %d was cut by GROUP_CONCAT()";
    ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT = 1582, "42000", "ErrWrongParamcountToNativeFct", "Incorrect parameter count in the call to native function '%s'";
    ER_CTE_RECURSIVE_REQUIRES_UNION = 3573, "HY000", "ErrCTERecursiveRequiresUnion", "Recursive Common Table Expression '%s' should contain a UNION";
    ER_CTE_MAX_RECURSION_DEPTH = 3636, "HY000", "ErrCTEMaxRecursionDepth", "Recursive query aborted after %d iterations. Try increasing @@cte_max_recursion_depth to a larger value.";
    ER_WRONG_OBJECT = 1347, "HY000", "ErrWrongObject", "'%s.%s' is not %s";
    ER_VIEW_RECURSIVE = 1462, "HY000", "ErrViewRecursive", "`%s`.`%s` contains view recursion";
    ER_VIEW_WRONG_LIST = 1353, "HY000", "ErrViewWrongList", "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts";
    ER_NON_UPDATABLE_TABLE = 1288, "HY000", "ErrNonUpdatableTable", "The target table %s of the %s is not updatable";
    ER_NON_INSERTABLE_TABLE = 1471, "HY000", "ErrNonInsertableTable", "The target table %s of the %s is not insertable-into";
    ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461, "42000", "ErrMaxPreparedStmtCountReached", "Can't create more than max_prepared_stmt_count statements (current value: %d)";
    ER_SP_CURSOR_NOT_OPEN = 1326, "24000", "ErrSpCursorNotOpen", "Cursor is not open";
    ER_UNSUPPORTED_PS = 1295, "HY000", "ErrUnsupportedPs", "This command is not supported in the prepared statement protocol yet";
    ER_TXN_TOO_LARGE = 8004, "HY000", "ErrTxnTooLarge", "Transaction is too large, size: %d";
    ER_TXN_RETRYABLE = 8002, "HY000", "ErrTxnRetryable", "[tikv:8002]can not retry select for update statement";
    ER_WRITE_CONFLICT = 9007, "HY000", "ErrWriteConflict", "Write conflict, txnStartTS=%d, conflictStartTS=%d, conflictCommitTS=%d, key=%s, primary=%s, reason=Optimistic [try again later]";
    ER_TIKV_STORE_LIMIT = 9008, "HY000", "ErrTiKVStoreLimit", "Store token is up to the limit, store id = %d";
    ER_UNSUPPORTED_TYPE = 8108, "HY000", "ErrUnsupportedType", "Unsupported type %T";
    ER_REGEXP_ILLEGAL_ARGUMENT = 3685, "HY000", "ErrRegexpIllegalArgument", "Illegal argument to a regular expression.";
    ER_TOO_MANY_ROWS = 1172, "42000", "ErrTooManyRows", "Result consisted of more than one row";
    ER_SP_FETCH_NO_DATA = 1329, "02000", "ErrSpFetchNoData", "No data - zero rows fetched, selected, or processed";
    ER_PARTITION_CLAUSE_ON_NONPARTITIONED = 1747, "HY000", "ErrPartitionClauseOnNonpartitioned", "PARTITION () clause on non partitioned table";
    ER_INFO_SCHEMA_CHANGED = 8028, "HY000", "ErrInfoSchemaChanged", "Information schema is changed during the execution of the statement(for example, table definition may be updated by other DDL ran in parallel). If you see this error often, try increasing `tidb_max_delta_schema_count`. [try again later]";
    ER_QUERY_TIMEOUT = 3024, "HY000", "ErrQueryTimeout", "Query execution was interrupted, maximum statement execution time exceeded";
    ER_NO_SUCH_THREAD = 1094, "HY000", "ErrNoSuchThread", "Unknown thread id: %d";
    ER_KILL_DENIED = 1095, "HY000", "ErrKillDenied", "You are not owner of thread %d";
    ER_STACK_OVERRUN_NEED_MORE = 1436, "HY000", "ErrStackOverrunNeedMore", "Thread stack overrun:  %d bytes used of a %d byte stack, and %d bytes needed.  Use 'mysqld --thread_stack=#' to specify a bigger stack.";
    ER_MEM_EXCEED_THRESHOLD = 8175, "HY000", "ErrMemExceedThreshold", "Your query has been cancelled due to exceeding the allowed memory limit for a single SQL query. Please try narrowing your query scope or increase the tidb_mem_quota_query limit and try again.[conn=%d]";
    ER_MEM_EXCEED_INSTANCE = 8176, "HY000", "ErrMemExceedForInstance", "Your query has been cancelled due to exceeding the allowed memory limit for the tidb-server instance and this query is currently using the most memory. Please try narrowing your query scope or increase the tidb_server_memory_limit and try again.[conn=%d]";
    ER_ENTRY_TOO_LARGE = 8025, "HY000", "ErrEntryTooLarge", "entry too large, the max entry size is %d, the size of data is %d";
}
