//! Built-in scalar functions.

use errno::{Error, Result, ER_SP_DOES_NOT_EXIST, ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT};
use types::{FieldType, Value};

use super::{
    cast::{to_f64, to_i64, to_string},
    eval::{EvalCtx, Truth},
};
use crate::sysvar::SERVER_VERSION;

/// A built-in function, resolved by name at bind time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `VERSION()`
    Version,
    /// `TIDB_VERSION()`
    TidbVersion,
    /// `DATABASE()` / `SCHEMA()`
    Database,
    /// `USER()` / `SESSION_USER()` / `SYSTEM_USER()`
    User,
    /// `CURRENT_USER()`
    CurrentUser,
    /// `CONNECTION_ID()`
    ConnectionId,
    /// `LAST_INSERT_ID()`
    LastInsertId,
    /// `FOUND_ROWS()`
    FoundRows,
    /// `CONCAT(…)`
    Concat,
    /// `CONCAT_WS(sep, …)`
    ConcatWs,
    /// `LOWER` / `LCASE`
    Lower,
    /// `UPPER` / `UCASE`
    Upper,
    /// `LENGTH` / `OCTET_LENGTH` (bytes)
    Length,
    /// `CHAR_LENGTH` / `CHARACTER_LENGTH`
    CharLength,
    /// `IFNULL(a, b)`
    IfNull,
    /// `COALESCE(…)`
    Coalesce,
    /// `IF(cond, a, b)`
    If,
    /// `NULLIF(a, b)`
    NullIf,
    /// `ABS(x)`
    Abs,
    /// `FLOOR(x)`
    Floor,
    /// `CEIL` / `CEILING`
    Ceil,
    /// `ROUND(x[, d])`
    Round,
    /// `MOD(a, b)` (same as `%`)
    Mod,
    /// `SUBSTRING(s, pos[, len])` / `SUBSTR` / `MID`
    Substring,
    /// `TRIM(s)` (both sides, spaces)
    Trim,
    /// `LTRIM(s)`
    LTrim,
    /// `RTRIM(s)`
    RTrim,
    /// `TRIM(LEADING|TRAILING|BOTH what FROM s)`: args (s, what, mode 0 both / 1 leading / 2 trailing)
    TrimWith,
    /// `REPLACE(s, from, to)`
    Replace,
    /// `LEFT(s, n)`
    Left,
    /// `RIGHT(s, n)`
    Right,
    /// `LPAD(s, n, pad)`
    LPad,
    /// `RPAD(s, n, pad)`
    RPad,
    /// `REPEAT(s, n)`
    Repeat,
    /// `REVERSE(s)`
    Reverse,
    /// `LOCATE(needle, hay[, pos])` / `POSITION(needle IN hay)`
    Locate,
    /// `INSTR(hay, needle)`
    Instr,
    /// `SPACE(n)`
    Space,
    /// `ASCII(s)`
    Ascii,
    /// `HEX(x)`
    Hex,
    /// `POW(x, y)` / `POWER`
    Pow,
    /// `SQRT(x)`
    Sqrt,
    /// `EXP(x)`
    Exp,
    /// `LN(x)` / `LOG(x)`
    Ln,
    /// `LOG10(x)`
    Log10,
    /// `LOG2(x)`
    Log2,
    /// `SIGN(x)`
    Sign,
    /// `PI()`
    Pi,
    /// `TRUNCATE(x, d)`
    Truncate,
    /// `GREATEST(…)`
    Greatest,
    /// `LEAST(…)`
    Least,
    /// `ISNULL(x)`
    IsNull,
    /// `NOW([fsp])` / `CURRENT_TIMESTAMP` / `LOCALTIMESTAMP` / `SYSDATE`
    Now,
    /// `CURDATE()` / `CURRENT_DATE`
    CurDate,
    /// `UNIX_TIMESTAMP([t])`
    UnixTimestamp,
    /// `FROM_UNIXTIME(n)`
    FromUnixtime,
    /// `DATE_FORMAT(t, fmt)`
    DateFormat,
    /// `DATE_ADD(t, INTERVAL n unit)`, `t + INTERVAL …`: bound as `(t, n, 'UNIT')`.
    DateAdd,
    /// `DATE_SUB(t, INTERVAL n unit)`, `t - INTERVAL …`: bound as `(t, n, 'UNIT')`.
    DateSub,
    /// `DATE(t)`
    Date,
    /// `YEAR(t)`
    Year,
    /// `MONTH(t)`
    Month,
    /// `DAY(t)` / `DAYOFMONTH`
    Day,
    /// `HOUR(t)`
    Hour,
    /// `MINUTE(t)`
    Minute,
    /// `SECOND(t)`
    Second,
    /// `DAYOFWEEK(t)` (1 = Sunday)
    DayOfWeek,
    /// `DAYOFYEAR(t)`
    DayOfYear,
    /// `REGEXP_LIKE(s, pattern[, match_type])`, `s REGEXP pattern`
    RegexpLike,
    /// `REGEXP_REPLACE(s, pattern, replacement[, pos[, occurrence[, match_type]]])`
    RegexpReplace,
    /// `REGEXP_SUBSTR(s, pattern[, pos[, occurrence[, match_type]]])`
    RegexpSubstr,
    /// `REGEXP_INSTR(s, pattern[, pos[, occurrence[, return_option[, match_type]]]])`
    RegexpInstr,
    /// `CURTIME([fsp])` / `CURRENT_TIME`
    CurTime,
    /// `TIME(t)`
    Time,
    /// `TIME_TO_SEC(t)`
    TimeToSec,
    /// `SEC_TO_TIME(n)`
    SecToTime,
    /// `TIMEDIFF(a, b)`
    TimeDiff,
    /// `ADDTIME(t, d)`
    AddTime,
    /// `SUBTIME(t, d)`
    SubTime,
    /// `SHA1(s)` / `SHA(s)`
    Sha1,
    /// `SHA2(s, bits)`
    Sha2,
    /// `UUID()`
    Uuid,
    /// `UNHEX(s)`
    Unhex,
    /// `FIND_IN_SET(s, list)`
    FindInSet,
    /// `INET_ATON(s)`
    InetAton,
    /// `INET_NTOA(n)`
    InetNtoa,
    /// `BIN(n)`
    Bin,
    /// `OCT(n)`
    Oct,
    /// `TIMESTAMPDIFF(unit, a, b)`: bound as `('UNIT', a, b)`.
    TimestampDiff,
    /// `FORMAT(x, d[, locale])`
    Format,
    /// `CONV(n, from_base, to_base)`
    Conv,
    /// `ELT(n, s1, s2, …)`
    Elt,
    /// `FIELD(s, s1, s2, …)`
    Field,
    /// `MD5(s)`
    Md5,
    /// `CRC32(s)`
    Crc32,
    /// `TO_BASE64(s)`
    ToBase64,
    /// `FROM_BASE64(s)`
    FromBase64,
    /// `RANDOM_BYTES(n)`
    RandomBytes,
    /// `QUOTE(s)`
    Quote,
    /// `SOUNDEX(s)`
    Soundex,
    /// `BIT_COUNT(n)`
    BitCount,
    /// `EXPORT_SET(bits, on, off[, separator[, n]])`
    ExportSet,
    /// `MAKE_SET(bits, s1, …)`
    MakeSet,
    /// `INSERT(s, pos, len, new)`
    Insert,
    /// `RADIANS(x)`
    Radians,
    /// `DEGREES(x)`
    Degrees,
    /// `MAKEDATE(year, day_of_year)`
    MakeDate,
    /// `MAKETIME(h, m, s)`
    MakeTime,
    /// `LAST_DAY(d)`
    LastDay,
    /// `DAYNAME(d)`
    DayName,
    /// `MONTHNAME(d)`
    MonthName,
    /// `QUARTER(d)`
    Quarter,
    /// `WEEKDAY(d)` (0 = Monday)
    Weekday,
    /// `WEEK(d[, mode])`
    Week,
    /// `WEEKOFYEAR(d)`
    WeekOfYear,
    /// `YEARWEEK(d[, mode])`
    YearWeek,
    /// `TO_DAYS(d)`
    ToDays,
    /// `FROM_DAYS(n)`
    FromDays,
    /// `TO_SECONDS(t)`
    ToSeconds,
    /// `PERIOD_ADD(p, n)`
    PeriodAdd,
    /// `PERIOD_DIFF(p1, p2)`
    PeriodDiff,
    /// `STR_TO_DATE(s, format)`
    StrToDate,
    /// `ROW_COUNT()`: rows the previous statement changed (-1 after a result set).
    RowCount,
    /// `SLEEP(seconds)`
    Sleep,
    /// `UUID_SHORT()`
    UuidShort,
    /// `RAND([seed])`
    Rand,
    /// `GET_LOCK(name, timeout)`
    GetLock,
    /// `RELEASE_LOCK(name)`
    ReleaseLock,
    /// `RELEASE_ALL_LOCKS()`
    ReleaseAllLocks,
    /// `IS_FREE_LOCK(name)`
    IsFreeLock,
    /// `IS_USED_LOCK(name)`
    IsUsedLock,
    /// `UUID_TO_BIN(s[, swap])`
    UuidToBin,
    /// `BIN_TO_UUID(b[, swap])`
    BinToUuid,
    /// `IS_UUID(s)`
    IsUuid,
    /// `INET6_ATON(s)`
    Inet6Aton,
    /// `INET6_NTOA(b)`
    Inet6Ntoa,
    /// `IS_IPV4(s)`
    IsIpv4,
    /// `IS_IPV6(s)`
    IsIpv6,
    /// `IS_IPV4_MAPPED(b)`
    IsIpv4Mapped,
    /// `IS_IPV4_COMPAT(b)`
    IsIpv4Compat,
    /// `COMPRESS(s)`
    Compress,
    /// `UNCOMPRESS(b)`
    Uncompress,
    /// `UNCOMPRESSED_LENGTH(b)`
    UncompressedLength,
    /// `AES_ENCRYPT(s, key[, iv])`
    AesEncrypt,
    /// `AES_DECRYPT(b, key[, iv])`
    AesDecrypt,
    /// `TIDB_PARSE_TSO(ts)`
    TidbParseTso,
    /// `CURRENT_ROLE()`
    CurrentRole,
    /// `CONVERT_TZ(t, from_tz, to_tz)`
    ConvertTz,
    /// `BENCHMARK(count, expr)`: evaluated by [`super::Expr::eval`] (its argument many times).
    Benchmark,
    /// `SIN(x)`, `COS(x)`, `TAN(x)`, `COT(x)`, `ASIN(x)`, `ACOS(x)`, `ATAN(x)`: by the name's
    /// index in [`TRIG`].
    Trig(u8),
    /// `ATAN2(y, x)` / `ATAN(y, x)`
    Atan2,
    /// `ORD(s)`
    Ord,
    /// `STRCMP(a, b)`
    Strcmp,
    /// `CHAR(n, …)`
    Char,
    /// `SUBSTRING_INDEX(s, delim, count)`
    SubstringIndex,
    /// `BIT_LENGTH(s)`
    BitLength,
    /// `DATEDIFF(a, b)`
    DateDiff,
    /// `MICROSECOND(t)`
    Microsecond,
    /// `TIMESTAMP(t)`
    Timestamp,
    /// `FORMAT_BYTES(n)`
    FormatBytes,
    /// `FORMAT_NANO_TIME(n)`
    FormatNanoTime,
    /// `TRANSLATE(s, from, to)`
    Translate,
    /// `JSON_EXTRACT(doc, path, …)` (also `doc->path`).
    JsonExtract,
    /// `doc->>path`: JSON_UNQUOTE(JSON_EXTRACT(doc, path)).
    JsonExtractText,
    /// `JSON_UNQUOTE(x)`.
    JsonUnquote,
    /// `JSON_OBJECT(k, v, …)`.
    JsonObject,
    /// `JSON_ARRAY(v, …)`.
    JsonArray,
    /// `JSON_QUOTE(s)`.
    JsonQuote,
    /// `JSON_TYPE(doc)`.
    JsonType,
    /// `JSON_VALID(x)`.
    JsonValid,
    /// `JSON_LENGTH(doc[, path])`.
    JsonLength,
    /// `JSON_DEPTH(doc)`.
    JsonDepth,
    /// `JSON_KEYS(doc[, path])`.
    JsonKeys,
    /// `JSON_CONTAINS(doc, candidate[, path])`.
    JsonContains,
    /// `JSON_CONTAINS_PATH(doc, 'one'|'all', path, …)`.
    JsonContainsPath,
    /// `JSON_SET(doc, path, v, …)`.
    JsonSet,
    /// `JSON_INSERT(doc, path, v, …)`.
    JsonInsert,
    /// `JSON_REPLACE(doc, path, v, …)`.
    JsonReplace,
    /// `JSON_REMOVE(doc, path, …)`.
    JsonRemove,
    /// `JSON_ARRAY_APPEND(doc, path, v, …)`.
    JsonArrayAppend,
    /// `JSON_MERGE_PATCH(doc, doc, …)`.
    JsonMergePatch,
    /// `JSON_MERGE_PRESERVE(doc, doc, …)` (and `JSON_MERGE`).
    JsonMergePreserve,
    /// `JSON_PRETTY(doc)`.
    JsonPretty,
    /// A SQL value as a JSON scalar: what a non-JSON argument of JSON_OBJECT, JSON_SET … is.
    ToJson,
    /// A JSON value as the SQL value it compares as with a non-JSON one.
    JsonValue,
    /// `json = value` for a non-JSON value, by JSON's rules (1, 0 or NULL).
    JsonEq,
    /// `JSON_SEARCH(doc, 'one'|'all', pattern[, escape[, path…]])`.
    JsonSearch,
    /// `JSON_ARRAY_INSERT(doc, path, v, …)`.
    JsonArrayInsert,
    /// `JSON_OVERLAPS(a, b)`.
    JsonOverlaps,
    /// `CHARSET(x)`.
    Charset,
    /// `COLLATION(x)`.
    Collation,
    /// `COERCIBILITY(x)`.
    Coercibility,
    /// `NAME_CONST(name, value)`.
    NameConst,
    /// `PASSWORD(s)`: mysql_native_password's hash.
    Password,
    /// `UUID_V4()`.
    UuidV4,
    /// `UUID_V7()`.
    UuidV7,
    /// `UUID_VERSION(uuid)`.
    UuidVersion,
    /// `TIME_FORMAT(t, format)`
    TimeFormat,
    /// `GET_FORMAT({DATE | TIME | DATETIME | TIMESTAMP}, locale)`
    GetFormat,
    /// `WEIGHT_STRING(s)`
    WeightString,
    /// `LOAD_FILE(path)`: TiDB reads no files for it (NULL).
    LoadFile,
    /// `SM3(s)`
    Sm3,
    /// `VALIDATE_PASSWORD_STRENGTH(s)`
    ValidatePasswordStrength,
    /// `TIDB_PARSE_TSO_LOGICAL(ts)`
    TidbParseTsoLogical,
    /// `TIDB_IS_DDL_OWNER()`
    TidbIsDdlOwner,
    /// `CURRENT_RESOURCE_GROUP()`
    CurrentResourceGroup,
    /// `JSON_STORAGE_FREE(j)`
    JsonStorageFree,
    /// `UUID_TIMESTAMP(uuid)`
    UuidTimestamp,
    /// Internal (no SQL name): a CASE/IF/… DECIMAL result shown with at least `args[1]`
    /// digits after the point — integers and shorter decimals padded, nothing rounded.
    PadScale,
    /// `VEC_FROM_TEXT(s)`
    VecFromText,
    /// `VEC_AS_TEXT(v)`
    VecAsText,
    /// `VEC_DIMS(v)`
    VecDims,
    /// `VEC_L2_NORM(v)`
    VecL2Norm,
    /// `VEC_L1_DISTANCE(a, b)`
    VecL1Distance,
    /// `VEC_L2_DISTANCE(a, b)`
    VecL2Distance,
    /// `VEC_COSINE_DISTANCE(a, b)`
    VecCosineDistance,
    /// `VEC_NEGATIVE_INNER_PRODUCT(a, b)`
    VecNegativeInnerProduct,
}

/// The one-argument trigonometric functions, in [`Func::Trig`]'s order.
pub const TRIG: [&str; 7] = ["SIN", "COS", "TAN", "COT", "ASIN", "ACOS", "ATAN"];

impl Func {
    /// Resolves a function name (case-insensitive) and checks the argument count.
    pub fn resolve(name: &str, argc: usize) -> Result<Func> {
        use Func::*;
        let upper = name.to_ascii_uppercase();
        let (func, min, max) = match upper.as_str() {
            "VERSION" => (Version, 0, 0),
            "TIDB_VERSION" => (TidbVersion, 0, 0),
            "DATABASE" | "SCHEMA" => (Database, 0, 0),
            "USER" | "SESSION_USER" | "SYSTEM_USER" => (User, 0, 0),
            "CURRENT_USER" => (CurrentUser, 0, 0),
            "CONNECTION_ID" => (ConnectionId, 0, 0),
            "LAST_INSERT_ID" => (LastInsertId, 0, 0),
            "FOUND_ROWS" => (FoundRows, 0, 0),
            "CONCAT" => (Concat, 1, usize::MAX),
            "CONCAT_WS" => (ConcatWs, 2, usize::MAX),
            "LOWER" | "LCASE" => (Lower, 1, 1),
            "UPPER" | "UCASE" => (Upper, 1, 1),
            "LENGTH" | "OCTET_LENGTH" => (Length, 1, 1),
            "CHAR_LENGTH" | "CHARACTER_LENGTH" => (CharLength, 1, 1),
            "IFNULL" => (IfNull, 2, 2),
            "COALESCE" => (Coalesce, 1, usize::MAX),
            "IF" => (If, 3, 3),
            "NULLIF" => (NullIf, 2, 2),
            "ABS" => (Abs, 1, 1),
            "FLOOR" => (Floor, 1, 1),
            "CEIL" | "CEILING" => (Ceil, 1, 1),
            "ROUND" => (Round, 1, 2),
            "MOD" => (Mod, 2, 2),
            "SUBSTRING" | "SUBSTR" | "MID" => (Substring, 2, 3),
            "TRIM" => (Trim, 1, 1),
            "LTRIM" => (LTrim, 1, 1),
            "RTRIM" => (RTrim, 1, 1),
            "REPLACE" => (Replace, 3, 3),
            "LEFT" => (Left, 2, 2),
            "RIGHT" => (Right, 2, 2),
            "LPAD" => (LPad, 3, 3),
            "RPAD" => (RPad, 3, 3),
            "REPEAT" => (Repeat, 2, 2),
            "REVERSE" => (Reverse, 1, 1),
            "LOCATE" => (Locate, 2, 3),
            "INSTR" => (Instr, 2, 2),
            "SPACE" => (Space, 1, 1),
            "ASCII" => (Ascii, 1, 1),
            "HEX" => (Hex, 1, 1),
            "POW" | "POWER" => (Pow, 2, 2),
            "SQRT" => (Sqrt, 1, 1),
            "EXP" => (Exp, 1, 1),
            "LN" | "LOG" => (Ln, 1, 1),
            "LOG10" => (Log10, 1, 1),
            "LOG2" => (Log2, 1, 1),
            "SIGN" => (Sign, 1, 1),
            "PI" => (Pi, 0, 0),
            "TRUNCATE" => (Truncate, 2, 2),
            "GREATEST" => (Greatest, 2, usize::MAX),
            "LEAST" => (Least, 2, usize::MAX),
            "ISNULL" => (IsNull, 1, 1),
            "NOW" | "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "LOCALTIME" | "SYSDATE" => (Now, 0, 1),
            "CURDATE" | "CURRENT_DATE" => (CurDate, 0, 0),
            "UNIX_TIMESTAMP" => (UnixTimestamp, 0, 1),
            "FROM_UNIXTIME" => (FromUnixtime, 1, 1),
            "DATE_FORMAT" => (DateFormat, 2, 2),
            "DATE" => (Date, 1, 1),
            "YEAR" => (Year, 1, 1),
            "MONTH" => (Month, 1, 1),
            "DAY" | "DAYOFMONTH" => (Day, 1, 1),
            "HOUR" => (Hour, 1, 1),
            "MINUTE" => (Minute, 1, 1),
            "SECOND" => (Second, 1, 1),
            "DAYOFWEEK" => (DayOfWeek, 1, 1),
            "DAYOFYEAR" => (DayOfYear, 1, 1),
            "CURTIME" | "CURRENT_TIME" => (CurTime, 0, 1),
            "REGEXP_LIKE" => (RegexpLike, 2, 3),
            "REGEXP_REPLACE" => (RegexpReplace, 3, 6),
            "REGEXP_SUBSTR" => (RegexpSubstr, 2, 5),
            "REGEXP_INSTR" => (RegexpInstr, 2, 6),
            "TIME" => (Time, 1, 1),
            "TIME_TO_SEC" => (TimeToSec, 1, 1),
            "SEC_TO_TIME" => (SecToTime, 1, 1),
            "TIMEDIFF" => (TimeDiff, 2, 2),
            "ADDTIME" => (AddTime, 2, 2),
            "SUBTIME" => (SubTime, 2, 2),
            "SHA1" | "SHA" => (Sha1, 1, 1),
            "SHA2" => (Sha2, 2, 2),
            "UUID" => (Uuid, 0, 0),
            "UNHEX" => (Unhex, 1, 1),
            "FIND_IN_SET" => (FindInSet, 2, 2),
            "INET_ATON" => (InetAton, 1, 1),
            "INET_NTOA" => (InetNtoa, 1, 1),
            "BIN" => (Bin, 1, 1),
            "OCT" => (Oct, 1, 1),
            "FORMAT" => (Format, 2, 3),
            "CONV" => (Conv, 3, 3),
            "ELT" => (Elt, 2, usize::MAX),
            "FIELD" => (Field, 2, usize::MAX),
            "MD5" => (Md5, 1, 1),
            "CRC32" => (Crc32, 1, 1),
            "TO_BASE64" => (ToBase64, 1, 1),
            "FROM_BASE64" => (FromBase64, 1, 1),
            "RANDOM_BYTES" => (RandomBytes, 1, 1),
            "QUOTE" => (Quote, 1, 1),
            "SOUNDEX" => (Soundex, 1, 1),
            "BIT_COUNT" => (BitCount, 1, 1),
            "EXPORT_SET" => (ExportSet, 3, 5),
            "MAKE_SET" => (MakeSet, 2, usize::MAX),
            "INSERT" => (Insert, 4, 4),
            "RADIANS" => (Radians, 1, 1),
            "DEGREES" => (Degrees, 1, 1),
            "MAKEDATE" => (MakeDate, 2, 2),
            "MAKETIME" => (MakeTime, 3, 3),
            "LAST_DAY" => (LastDay, 1, 1),
            "DAYNAME" => (DayName, 1, 1),
            "MONTHNAME" => (MonthName, 1, 1),
            "QUARTER" => (Quarter, 1, 1),
            "WEEKDAY" => (Weekday, 1, 1),
            "WEEK" => (Week, 1, 2),
            "WEEKOFYEAR" => (WeekOfYear, 1, 1),
            "YEARWEEK" => (YearWeek, 1, 2),
            "TO_DAYS" => (ToDays, 1, 1),
            "FROM_DAYS" => (FromDays, 1, 1),
            "TO_SECONDS" => (ToSeconds, 1, 1),
            "PERIOD_ADD" => (PeriodAdd, 2, 2),
            "PERIOD_DIFF" => (PeriodDiff, 2, 2),
            "STR_TO_DATE" => (StrToDate, 2, 2),
            "ROW_COUNT" => (RowCount, 0, 0),
            "SLEEP" => (Sleep, 1, 1),
            "UUID_SHORT" => (UuidShort, 0, 0),
            "RAND" => (Rand, 0, 1),
            "GET_LOCK" => (GetLock, 2, 2),
            "RELEASE_LOCK" => (ReleaseLock, 1, 1),
            "RELEASE_ALL_LOCKS" => (ReleaseAllLocks, 0, 0),
            "IS_FREE_LOCK" => (IsFreeLock, 1, 1),
            "IS_USED_LOCK" => (IsUsedLock, 1, 1),
            "UUID_TO_BIN" => (UuidToBin, 1, 2),
            "BIN_TO_UUID" => (BinToUuid, 1, 2),
            "IS_UUID" => (IsUuid, 1, 1),
            "INET6_ATON" => (Inet6Aton, 1, 1),
            "INET6_NTOA" => (Inet6Ntoa, 1, 1),
            "IS_IPV4" => (IsIpv4, 1, 1),
            "IS_IPV6" => (IsIpv6, 1, 1),
            "IS_IPV4_MAPPED" => (IsIpv4Mapped, 1, 1),
            "IS_IPV4_COMPAT" => (IsIpv4Compat, 1, 1),
            "COMPRESS" => (Compress, 1, 1),
            "UNCOMPRESS" => (Uncompress, 1, 1),
            "UNCOMPRESSED_LENGTH" => (UncompressedLength, 1, 1),
            "AES_ENCRYPT" => (AesEncrypt, 2, 3),
            "AES_DECRYPT" => (AesDecrypt, 2, 3),
            "TIDB_PARSE_TSO" => (TidbParseTso, 1, 1),
            "CURRENT_ROLE" => (CurrentRole, 0, 0),
            "CONVERT_TZ" => (ConvertTz, 3, 3),
            "BENCHMARK" => (Benchmark, 2, 2),
            "ATAN" if argc == 2 => (Atan2, 2, 2),
            t if TRIG.contains(&t) => {
                (Trig(TRIG.iter().position(|n| *n == t).unwrap_or(0) as u8), 1, 1)
            }
            "ATAN2" => (Atan2, 2, 2),
            "ORD" => (Ord, 1, 1),
            "STRCMP" => (Strcmp, 2, 2),
            "CHAR" => (Char, 1, usize::MAX),
            "SUBSTRING_INDEX" => (SubstringIndex, 3, 3),
            "BIT_LENGTH" => (BitLength, 1, 1),
            "DATEDIFF" => (DateDiff, 2, 2),
            "MICROSECOND" => (Microsecond, 1, 1),
            "TIMESTAMP" => (Timestamp, 1, 1),
            "FORMAT_BYTES" => (FormatBytes, 1, 1),
            "FORMAT_NANO_TIME" => (FormatNanoTime, 1, 1),
            "TRANSLATE" => (Translate, 3, 3),
            "JSON_EXTRACT" => (JsonExtract, 2, usize::MAX),
            "JSON_UNQUOTE" => (JsonUnquote, 1, 1),
            "JSON_OBJECT" => (JsonObject, 0, usize::MAX),
            "JSON_ARRAY" => (JsonArray, 0, usize::MAX),
            "JSON_QUOTE" => (JsonQuote, 1, 1),
            "JSON_TYPE" => (JsonType, 1, 1),
            "JSON_VALID" => (JsonValid, 1, 1),
            "JSON_LENGTH" => (JsonLength, 1, 2),
            "JSON_DEPTH" => (JsonDepth, 1, 1),
            "JSON_KEYS" => (JsonKeys, 1, 2),
            "JSON_CONTAINS" => (JsonContains, 2, 3),
            "JSON_CONTAINS_PATH" => (JsonContainsPath, 3, usize::MAX),
            "JSON_SET" => (JsonSet, 3, usize::MAX),
            "JSON_INSERT" => (JsonInsert, 3, usize::MAX),
            "JSON_REPLACE" => (JsonReplace, 3, usize::MAX),
            "JSON_REMOVE" => (JsonRemove, 2, usize::MAX),
            "JSON_ARRAY_APPEND" => (JsonArrayAppend, 3, usize::MAX),
            "JSON_MERGE_PATCH" => (JsonMergePatch, 2, usize::MAX),
            "JSON_MERGE_PRESERVE" | "JSON_MERGE" => (JsonMergePreserve, 2, usize::MAX),
            "JSON_PRETTY" => (JsonPretty, 1, 1),
            "JSON_SEARCH" => (JsonSearch, 3, usize::MAX),
            "JSON_ARRAY_INSERT" => (JsonArrayInsert, 3, usize::MAX),
            "JSON_OVERLAPS" => (JsonOverlaps, 2, 2),
            "CHARSET" => (Charset, 1, 1),
            "COLLATION" => (Collation, 1, 1),
            "COERCIBILITY" => (Coercibility, 1, 1),
            "NAME_CONST" => (NameConst, 2, 2),
            "PASSWORD" => (Password, 1, 1),
            "UUID_V4" => (UuidV4, 0, 0),
            "UUID_V7" => (UuidV7, 0, 0),
            "UUID_VERSION" => (UuidVersion, 1, 1),
            "TIME_FORMAT" => (TimeFormat, 2, 2),
            "GET_FORMAT" => (GetFormat, 2, 2),
            "WEIGHT_STRING" => (WeightString, 1, 1),
            "LOAD_FILE" => (LoadFile, 1, 1),
            "SM3" => (Sm3, 1, 1),
            "VALIDATE_PASSWORD_STRENGTH" => (ValidatePasswordStrength, 1, 1),
            "TIDB_PARSE_TSO_LOGICAL" => (TidbParseTsoLogical, 1, 1),
            "TIDB_IS_DDL_OWNER" => (TidbIsDdlOwner, 0, 0),
            "CURRENT_RESOURCE_GROUP" => (CurrentResourceGroup, 0, 0),
            "JSON_STORAGE_FREE" => (JsonStorageFree, 1, 1),
            "UUID_TIMESTAMP" => (UuidTimestamp, 1, 1),
            "VEC_FROM_TEXT" => (VecFromText, 1, 1),
            "VEC_AS_TEXT" => (VecAsText, 1, 1),
            "VEC_DIMS" => (VecDims, 1, 1),
            "VEC_L2_NORM" => (VecL2Norm, 1, 1),
            "VEC_L1_DISTANCE" => (VecL1Distance, 2, 2),
            "VEC_L2_DISTANCE" => (VecL2Distance, 2, 2),
            "VEC_COSINE_DISTANCE" => (VecCosineDistance, 2, 2),
            "VEC_NEGATIVE_INNER_PRODUCT" => (VecNegativeInnerProduct, 2, 2),
            "UTC_DATE" => (CurDate, 0, 0),
            "UTC_TIME" => (CurTime, 0, 1),
            "UTC_TIMESTAMP" => (Now, 0, 1),
            _ => return Err(Error::fmt(ER_SP_DOES_NOT_EXIST, &[&"FUNCTION", &name])),
        };
        if argc < min || argc > max {
            return Err(Error::fmt(ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&upper]));
        }
        Ok(func)
    }

    /// The result type given the argument types.
    pub fn return_type(self, args: &[FieldType]) -> FieldType {
        use Func::*;
        match self {
            ConnectionId | LastInsertId | FoundRows | Length | CharLength | Locate | Instr
            | Ascii | Sign | IsNull | FindInSet | InetAton | TimestampDiff | Field | Crc32
            | BitCount | Quarter | Weekday | Week | WeekOfYear | YearWeek | ToDays | ToSeconds
            | PeriodAdd | PeriodDiff | RowCount | Sleep | UuidShort | GetLock | ReleaseLock
            | ReleaseAllLocks | IsFreeLock | IsUsedLock | IsUuid | IsIpv4 | IsIpv6
            | IsIpv4Mapped | IsIpv4Compat | UncompressedLength => FieldType::LongLong,
            UuidToBin | Inet6Aton | Compress | Uncompress | AesEncrypt | AesDecrypt => {
                FieldType::VarString
            }
            TidbParseTso | ConvertTz | Timestamp => FieldType::DateTime,
            Trig(_) | Atan2 => FieldType::Double,
            Ord | Strcmp | BitLength | DateDiff | Microsecond => FieldType::LongLong,
            Char => FieldType::VarString,
            Benchmark => FieldType::LongLong,
            FromBase64 | RandomBytes => FieldType::VarString,
            Radians | Degrees | Rand => FieldType::Double,
            MakeDate | LastDay | FromDays => FieldType::Date,
            MakeTime => FieldType::Time,
            StrToDate => FieldType::DateTime,
            Unhex => FieldType::VarString,
            Pow | Sqrt | Exp | Ln | Log10 | Log2 | Pi => FieldType::Double,
            Now | FromUnixtime => FieldType::DateTime,
            CurDate | Date => FieldType::Date,
            CurTime | Time | SecToTime | TimeDiff => FieldType::Time,
            TimeToSec | RegexpLike | RegexpInstr => FieldType::LongLong,
            AddTime | SubTime => match args.first() {
                Some(FieldType::Time) => FieldType::Time,
                Some(FieldType::Date | FieldType::DateTime | FieldType::Timestamp) => {
                    FieldType::DateTime
                }
                _ => FieldType::VarString,
            },
            DateAdd | DateSub => match args.first() {
                Some(FieldType::Date) => FieldType::Date,
                Some(FieldType::DateTime | FieldType::Timestamp) => FieldType::DateTime,
                _ => FieldType::VarString,
            },
            UnixTimestamp | Year | Month | Day | Hour | Minute | Second | DayOfWeek | DayOfYear => {
                FieldType::LongLong
            }
            Truncate | NullIf => args.first().copied().unwrap_or(FieldType::Null),
            Greatest | Least | IfNull | Coalesce => super::aggregate_field_types(args),
            If => super::aggregate_field_types(args.get(1..).unwrap_or_default()),
            Floor | Ceil => match args.first() {
                Some(FieldType::Double | FieldType::Float | FieldType::VarString) => {
                    FieldType::Double
                }
                _ => FieldType::LongLong,
            },
            Abs | Round | Mod => match args.first() {
                Some(FieldType::Double | FieldType::Float | FieldType::VarString) => {
                    FieldType::Double
                }
                Some(FieldType::NewDecimal) => FieldType::NewDecimal,
                _ => FieldType::LongLong,
            },
            JsonExtract | JsonObject | JsonArray | JsonKeys | JsonSet | JsonInsert
            | JsonReplace | JsonRemove | JsonArrayAppend | JsonMergePatch | JsonMergePreserve
            | ToJson => FieldType::Json,
            JsonSearch | JsonArrayInsert => FieldType::Json,
            JsonValid | JsonLength | JsonDepth | JsonContains | JsonContainsPath | JsonOverlaps => {
                FieldType::LongLong
            }
            JsonExtractText | JsonUnquote | JsonPretty => FieldType::Blob,
            Coercibility | UuidVersion => FieldType::LongLong,
            ValidatePasswordStrength | TidbParseTsoLogical | TidbIsDdlOwner | JsonStorageFree => {
                FieldType::LongLong
            }
            WeightString | LoadFile => FieldType::Blob,
            VecDims => FieldType::LongLong,
            UuidTimestamp | PadScale => FieldType::NewDecimal,
            VecL2Norm
            | VecL1Distance
            | VecL2Distance
            | VecCosineDistance
            | VecNegativeInnerProduct => FieldType::Double,
            NameConst => args.get(1).copied().unwrap_or(FieldType::VarString),
            _ => FieldType::VarString,
        }
    }

    /// Calls the function on evaluated arguments.
    pub fn call(self, args: &[Value], ctx: &EvalCtx<'_>) -> Result<Value> {
        use Func::*;
        let s = ctx.session;
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
        let any_null = args.iter().any(Value::is_null);
        // MySQL 8 and TiDB refuse a period that is negative or has no month 1-12 (1210), and
        // so does FerroDB for a result past BIGINT (TiDB wraps it).
        if matches!(self, PeriodAdd | PeriodDiff) && !any_null {
            let valid = |p: i64| !(p < 0 || p % 100 == 0 || p % 100 > 12);
            let name = if self == PeriodAdd { "period_add" } else { "period_diff" };
            let refuse = || Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&name]);
            let (p, n) = (to_i64(&arg(0)), to_i64(&arg(1)));
            if !valid(p) || (self == PeriodDiff && !valid(n)) {
                return Err(refuse());
            }
            return super::func_calendar::call(self, args, false, 0)
                .filter(|v| !v.is_null())
                .ok_or_else(refuse);
        }
        if let Some(v) = self.call_more(args, any_null) {
            if v.is_null() && !any_null && self.past_packet(args) {
                let e = Error::fmt(
                    errno::ER_WARN_ALLOWED_PACKET_OVERFLOWED,
                    &[&self.packet_name(), &super::func_string_math::MAX_RESULT],
                );
                s.warn(e.code, e.message);
            }
            return Ok(v);
        }
        if let Some(v) = super::func_misc::call(self, args, any_null) {
            return Ok(v);
        }
        if self == RandomBytes && !any_null && !(1..=1024).contains(&to_i64(&arg(0))) {
            return Err(Error::fmt(errno::ER_DATA_OUT_OF_RANGE, &[&"length", &"random_bytes"]));
        }
        if let Some(v) = super::func_text::call(self, args, any_null) {
            return Ok(v);
        }
        if let Some(v) = super::func_binary::call(self, args, any_null) {
            return v;
        }
        if let Some(v) = super::func_json::call(self, args, any_null) {
            return v;
        }
        if let Some(v) = super::func_info::call(self, args) {
            return Ok(v);
        }
        let week_format = || s.vars.int("default_week_format");
        if matches!(self, Week) && args.len() < 2 {
            let v = super::func_calendar::call(self, args, any_null, week_format());
            return Ok(v.unwrap_or(Value::Null));
        }
        if let Some(v) = super::func_calendar::call(self, args, any_null, 0) {
            return Ok(v);
        }
        if self == PadScale {
            let s = u32::try_from(to_i64(&arg(1)).clamp(0, 30)).unwrap_or(0);
            return Ok(match arg(0) {
                Value::Decimal(d) if d.scale() < s => {
                    d.rescale(s).map_or(Value::Decimal(d), Value::Decimal)
                }
                v @ (Value::Int(_) | Value::UInt(_)) => {
                    super::to_decimal(&v).and_then(|d| d.rescale(s)).map_or(v, Value::Decimal)
                }
                other => other,
            });
        }
        if let Some(v) = super::func_vector::call(self, args, any_null) {
            return v;
        }
        if self == ValidatePasswordStrength {
            return Ok(super::func_misc::password_strength(&arg(0), &s.user, &s.vars));
        }
        match self {
            TimeFormat if any_null => return Ok(Value::Null),
            TimeFormat => {
                return Ok(super::func_duration::time_format(&arg(0), &to_string(&arg(1))))
            }
            GetFormat if any_null => return Ok(Value::Null),
            GetFormat => {
                return Ok(super::func_time::get_format(&to_string(&arg(0)), &to_string(&arg(1))))
            }
            WeightString => return Ok(super::func_text::weight_string(&arg(0))),
            LoadFile => return Ok(Value::Null),
            Sm3 if any_null => return Ok(Value::Null),
            Sm3 => return Ok(super::func_misc::sm3(&arg(0))),
            TidbParseTsoLogical => {
                return Ok(match arg(0) {
                    Value::Null => Value::Null,
                    v => match to_i64(&v) {
                        ts if ts > 0 => Value::Int(ts & ((1 << 18) - 1)),
                        _ => Value::Null,
                    },
                })
            }
            // One server: it is always the DDL owner, and every session is in the default
            // resource group.
            TidbIsDdlOwner => return Ok(Value::Int(1)),
            UuidTimestamp if any_null => return Ok(Value::Null),
            UuidTimestamp => return super::func_info::uuid_timestamp(&to_string(&arg(0))),
            CurrentResourceGroup => return Ok(Value::String("default".into())),
            _ => {}
        }
        match self {
            RowCount => return Ok(Value::Int(s.row_count)),
            Sleep => return super::func_misc::sleep(&arg(0), &s.kill),
            Rand => return super::func_misc::rand(args.first()),
            CurrentRole => {
                let roles = s.auth.as_ref().map(|a| a.roles.clone()).unwrap_or_default();
                if roles.is_empty() {
                    return Ok(Value::String("NONE".into()));
                }
                let mut names: Vec<String> =
                    roles.iter().map(|r| format!("`{}`@`{}`", r.user, r.host)).collect();
                names.sort();
                return Ok(Value::String(names.join(",")));
            }
            TidbParseTso if any_null => return Ok(Value::Null),
            TidbParseTso => {
                // The physical part (milliseconds) of a TiDB timestamp, as a DATETIME(6).
                let ms = u64::try_from(to_i64(&arg(0))).unwrap_or(0) >> 18;
                let micros = i64::try_from(ms.saturating_mul(1000)).unwrap_or(0);
                return Ok(match super::func_time::now(micros, 6) {
                    v @ Value::Temporal(_) if ms > 0 => v,
                    _ => Value::Null,
                });
            }
            GetLock | ReleaseLock | ReleaseAllLocks | IsFreeLock | IsUsedLock => {
                return user_lock(self, args, s);
            }
            _ => {}
        }
        if self == TimestampDiff {
            let unit = args.first().map(super::func_string_math::text).unwrap_or_default();
            let (a, b) = (arg(1), arg(2));
            return Ok(super::func_time::timestamp_diff(&unit, &a, &b));
        }
        if matches!(self, RegexpLike | RegexpReplace | RegexpSubstr | RegexpInstr) {
            return super::func_regex::call(self, args);
        }
        if let Some(v) = self.call_time(args, any_null, s.stmt_time) {
            return Ok(v);
        }
        Ok(match self {
            Version => Value::String(SERVER_VERSION.to_string()),
            TidbVersion => Value::String(format!(
                "Release Version: {SERVER_VERSION}\nEdition: Community\nStore: embedded"
            )),
            Database => s.current_db.clone().map_or(Value::Null, Value::String),
            User => Value::String(format!("{}@{}", s.user, s.host)),
            CurrentUser => Value::String(match &s.auth {
                Some(a) => format!("{}@{}", a.account.user, a.account.host),
                None => format!("{}@%", s.user),
            }),
            ConnectionId => Value::UInt(s.connection_id),
            LastInsertId => Value::UInt(s.last_insert_id),
            FoundRows => Value::UInt(s.found_rows),
            Concat if any_null => Value::Null,
            Concat => concat(args.iter(), ""),
            ConcatWs => match args.split_first() {
                Some((sep, _)) if sep.is_null() => Value::Null,
                Some((sep, rest)) => concat_with(rest.iter().filter(|v| !v.is_null()), sep),
                None => Value::Null,
            },
            _ if any_null
                && matches!(
                    self,
                    Lower | Upper | Length | CharLength | Abs | Floor | Ceil | Round | Mod
                ) =>
            {
                Value::Null
            }
            Lower => map_str(arg(0), |t| t.to_lowercase()),
            Upper => map_str(arg(0), |t| t.to_uppercase()),
            Length => Value::Int(arg(0).to_text().map_or(0, |b| b.len() as i64)),
            CharLength => Value::Int(to_string(&arg(0)).chars().count() as i64),
            IfNull => {
                if arg(0).is_null() {
                    arg(1)
                } else {
                    arg(0)
                }
            }
            Coalesce => args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null),
            If => {
                if arg(0).truth() == Some(true) {
                    arg(1)
                } else {
                    arg(2)
                }
            }
            NullIf => {
                let (a, b) = (arg(0), arg(1));
                if super::compare(&a, &b) == Some(std::cmp::Ordering::Equal) {
                    Value::Null
                } else {
                    a
                }
            }
            Abs => match arg(0) {
                Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(|| {
                    Error::fmt(errno::ER_DATA_OUT_OF_RANGE, &[&"BIGINT", &format!("abs({i})")])
                })?),
                Value::UInt(u) => Value::UInt(u),
                Value::Decimal(d) => Value::Decimal(if d.mantissa() < 0 { d.neg() } else { d }),
                other => Value::Double(to_f64(&other).abs()),
            },
            Floor | Ceil => match arg(0) {
                v @ (Value::Int(_) | Value::UInt(_)) => v,
                Value::Decimal(d) => {
                    let t = d.trunc_to_i128();
                    let frac =
                        d.checked_sub(&types::Decimal::from_i128(t)).is_some_and(|f| !f.is_zero());
                    let up = self == Ceil && frac && d.mantissa() > 0;
                    let down = self == Floor && frac && d.mantissa() < 0;
                    Value::Int((t + i128::from(up) - i128::from(down)) as i64)
                }
                other => {
                    let d = to_f64(&other);
                    Value::Double(if self == Floor { d.floor() } else { d.ceil() })
                }
            },
            Round => round(&arg(0), if args.len() > 1 { to_i64(&arg(1)) } else { 0 }),
            Mod => {
                let (a, b) = (arg(0), arg(1));
                if to_f64(&b) == 0.0 {
                    Value::Null
                } else if matches!(a, Value::Int(_) | Value::UInt(_))
                    && matches!(b, Value::Int(_) | Value::UInt(_))
                {
                    Value::Int(to_i64(&a) % to_i64(&b))
                } else {
                    Value::Double(to_f64(&a) % to_f64(&b))
                }
            }
            // Handled by `call_more` above.
            _ => Value::Null,
        })
    }
}

impl Func {
    /// Whether this string builder answered NULL because its result would pass
    /// max_allowed_packet (MySQL warns 1301 then); its arguments are not NULL.
    fn past_packet(self, args: &[Value]) -> bool {
        let limit = super::func_string_math::MAX_RESULT as i64;
        match self {
            Func::Repeat | Func::Space => true,
            Func::LPad | Func::RPad => args.get(1).map(to_i64).is_some_and(|n| n > limit),
            _ => false,
        }
    }

    /// The name warning 1301 gives this function.
    fn packet_name(self) -> &'static str {
        match self {
            Func::Repeat => "repeat",
            Func::Space => "space",
            Func::LPad => "lpad",
            _ => "rpad",
        }
    }

    /// The functions of `func_string_math`; `None` for the others.
    fn call_more(self, args: &[Value], any_null: bool) -> Option<Value> {
        use super::func_string_math as m;
        use Func::*;
        let s = |i: usize| args.get(i).map(m::text).unwrap_or_default();
        let n = |i: usize| args.get(i).map(to_i64).unwrap_or(0);
        let f = |i: usize| args.get(i).map(to_f64).unwrap_or(0.0);
        let strict = !matches!(self, Greatest | Least | IsNull | Pi | Locate);
        if strict
            && any_null
            && matches!(
                self,
                Substring
                    | Trim
                    | LTrim
                    | RTrim
                    | TrimWith
                    | Replace
                    | Left
                    | Right
                    | LPad
                    | RPad
                    | Repeat
                    | Reverse
                    | Instr
                    | Space
                    | Ascii
                    | Hex
                    | Pow
                    | Sqrt
                    | Exp
                    | Ln
                    | Log10
                    | Log2
                    | Sign
                    | Truncate
            )
        {
            return Some(Value::Null);
        }
        Some(match self {
            Substring => Value::String(m::substring(&s(0), n(1), (args.len() > 2).then(|| n(2)))),
            Trim => Value::String(s(0).trim_matches(' ').to_string()),
            LTrim => Value::String(s(0).trim_start_matches(' ').to_string()),
            RTrim => Value::String(s(0).trim_end_matches(' ').to_string()),
            TrimWith => Value::String(m::trim(&s(0), &s(1), n(2) != 2, n(2) != 1)),
            Replace => {
                let from = s(1);
                Value::String(if from.is_empty() { s(0) } else { s(0).replace(&from, &s(2)) })
            }
            Left => Value::String(s(0).chars().take(n(1).max(0) as usize).collect()),
            Right => {
                let chars: Vec<char> = s(0).chars().collect();
                let k = (n(1).max(0) as usize).min(chars.len());
                Value::String(chars[chars.len() - k..].iter().collect())
            }
            LPad => m::pad(&s(0), n(1), &s(2), true),
            RPad => m::pad(&s(0), n(1), &s(2), false),
            Repeat => m::repeat(&s(0), n(1)),
            Reverse => Value::String(s(0).chars().rev().collect()),
            Locate if args.iter().take(2).any(Value::is_null) => Value::Null,
            Locate => Value::Int(m::locate(&s(0), &s(1), if args.len() > 2 { n(2) } else { 1 })),
            Instr => Value::Int(m::locate(&s(1), &s(0), 1)),
            Space => m::repeat(" ", n(0)),
            Ascii => Value::Int(i64::from(s(0).bytes().next().unwrap_or(0))),
            Hex => Value::String(m::hex(&args[0])),
            Pow => m::real(f(0).powf(f(1))),
            Sqrt => m::real(if f(0) < 0.0 { f64::NAN } else { f(0).sqrt() }),
            Exp => m::real(f(0).exp()),
            Ln => m::real(if f(0) <= 0.0 { f64::NAN } else { f(0).ln() }),
            Log10 => m::real(if f(0) <= 0.0 { f64::NAN } else { f(0).log10() }),
            Log2 => m::real(if f(0) <= 0.0 { f64::NAN } else { f(0).log2() }),
            Sign => Value::Int(if f(0) > 0.0 {
                1
            } else if f(0) < 0.0 {
                -1
            } else {
                0
            }),
            Pi => Value::Double(std::f64::consts::PI),
            Truncate => m::truncate(&args[0], n(1)),
            Greatest => m::extreme(args, true),
            Least => m::extreme(args, false),
            IsNull => Value::Int(i64::from(args[0].is_null())),
            _ => return None,
        })
    }
}

impl Func {
    /// The date and time functions; `None` for the others.
    fn call_time(self, args: &[Value], any_null: bool, stmt_time: i64) -> Option<Value> {
        use super::{func_duration as d, func_time as t};
        use Func::*;
        let part = |f: fn(&types::Temporal) -> i64| {
            if any_null {
                return Value::Null;
            }
            t::as_temporal(&args[0]).map_or(Value::Null, |x| Value::Int(f(&x)))
        };
        Some(match self {
            Now => t::now(stmt_time, args.first().map_or(0, |v| to_i64(v).clamp(0, 6) as u8)),
            CurDate => match t::now(stmt_time, 0) {
                Value::Temporal(x) => Value::Temporal(x.with_kind(types::TemporalKind::Date)),
                other => other,
            },
            UnixTimestamp if args.is_empty() => Value::Int(stmt_time / 1_000_000),
            UnixTimestamp if any_null => Value::Null,
            UnixTimestamp => t::unix_timestamp(&args[0]),
            FromUnixtime if any_null => Value::Null,
            FromUnixtime => t::from_unixtime(&args[0]),
            DateFormat if any_null => Value::Null,
            DateFormat => t::date_format(&args[0], &args[1]),
            DateAdd | DateSub if any_null => Value::Null,
            DateAdd | DateSub => {
                let unit = args[2].to_string();
                t::date_add(&args[0], &args[1], &unit, self == DateSub)
            }
            Date if any_null => Value::Null,
            Date => t::as_temporal(&args[0])
                .map_or(Value::Null, |x| Value::Temporal(x.with_kind(types::TemporalKind::Date))),
            Year => part(|x| i64::from(x.year)),
            Month => part(|x| i64::from(x.month)),
            Day => part(|x| i64::from(x.day)),
            Hour | Minute | Second if any_null => Value::Null,
            Hour => d::time_part(&args[0], 0).unwrap_or_else(|| part(|x| i64::from(x.hour))),
            Minute => d::time_part(&args[0], 1).unwrap_or_else(|| part(|x| i64::from(x.minute))),
            Second => d::time_part(&args[0], 2).unwrap_or_else(|| part(|x| i64::from(x.second))),
            CurTime => {
                d::curtime(stmt_time, args.first().map_or(0, |v| to_i64(v).clamp(0, 6) as u8))
            }
            Time | TimeToSec | SecToTime | TimeDiff | AddTime | SubTime if any_null => Value::Null,
            Time => d::time(&args[0]),
            TimeToSec => d::time_to_sec(&args[0]),
            SecToTime => d::sec_to_time(&args[0]),
            TimeDiff => d::timediff(&args[0], &args[1]),
            AddTime | SubTime => d::addtime(&args[0], &args[1], self == SubTime),
            DayOfWeek => part(|x| i64::from(x.weekday()) + 1),
            DayOfYear => part(|x| i64::from(x.day_of_year())),
            _ => return None,
        })
    }
}

fn concat<'a>(vals: impl Iterator<Item = &'a Value> + Clone, sep: &str) -> Value {
    concat_with(vals, &Value::String(sep.to_string()))
}

/// CONCAT / CONCAT_WS: a binary string, bytes kept as they are, when any part (or the
/// separator) is binary, as MySQL; otherwise text.
fn concat_with<'a>(vals: impl Iterator<Item = &'a Value> + Clone, sep: &Value) -> Value {
    let binary =
        matches!(sep, Value::Bytes(_)) || vals.clone().any(|v| matches!(v, Value::Bytes(_)));
    if binary {
        let sep = sep.to_text().unwrap_or_default();
        let mut out = Vec::new();
        for (i, v) in vals.enumerate() {
            if i > 0 {
                out.extend_from_slice(&sep);
            }
            out.extend_from_slice(&v.to_text().unwrap_or_default());
        }
        return Value::Bytes(out);
    }
    let parts: Vec<String> = vals.map(to_string).collect();
    Value::String(parts.join(&to_string(sep)))
}

fn map_str(v: Value, f: impl Fn(&str) -> String) -> Value {
    match v {
        Value::Bytes(b) => Value::Bytes(b), // LOWER/UPPER leave binary strings alone, as MySQL
        other => Value::String(f(&to_string(&other))),
    }
}

pub(super) fn round(v: &Value, places: i64) -> Value {
    match v {
        Value::Decimal(d) if places >= 0 => {
            d.rescale(places.min(30) as u32).map_or(Value::Null, Value::Decimal)
        }
        Value::Int(_) | Value::UInt(_) if places >= 0 => v.clone(),
        other => {
            let d = to_f64(other);
            let p = 10f64.powi(places.clamp(-30, 30) as i32);
            match other {
                // Integers round as exact numbers: half away from zero.
                Value::Int(_) | Value::UInt(_) => Value::Int(((d * p).round() / p) as i64),
                // Approximate values round half to even (C's rint, TiDB's RoundFloat):
                // ROUND(2.5e0) = 2, ROUND(-0.5e0) = -0.
                _ => Value::Double((d * p).round_ties_even() / p),
            }
        }
    }
}

/// The named-lock functions over the server's [`crate::user_locks::UserLocks`].
fn user_lock(func: Func, args: &[Value], s: &crate::context::SessionCtx) -> Result<Value> {
    let locks = s.vars.globals().user_locks();
    let me = s.connection_id;
    let name = match args.first() {
        Some(Value::Null) => {
            return Err(Error::fmt(errno::ER_USER_LOCK_WRONG_NAME, &[&"NULL"]));
        }
        Some(v) => to_string(v),
        None => String::new(),
    };
    let flag = |b: bool| Value::Int(i64::from(b));
    Ok(match func {
        Func::GetLock => {
            let timeout = args.get(1).map_or(0.0, to_f64);
            flag(locks.get(me, &name, timeout, &s.kill)?)
        }
        Func::ReleaseLock => locks.release(me, &name)?.map_or(Value::Null, flag),
        Func::ReleaseAllLocks => Value::UInt(locks.release_all(me)),
        Func::IsFreeLock => flag(locks.holder(&name)?.is_none()),
        Func::IsUsedLock => locks.holder(&name)?.map_or(Value::Null, Value::UInt),
        _ => Value::Null,
    })
}
