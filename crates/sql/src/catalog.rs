//! Databases the server knows. The persistent catalog (tables, columns, indexes in the KV store)
//! replaces this list when the storage layer lands; until then the schemas that exist on every
//! TiDB server are exactly these.

/// Built-in databases, in `SHOW DATABASES` order.
pub const BUILTIN_DATABASES: &[&str] =
    &["INFORMATION_SCHEMA", "METRICS_SCHEMA", "PERFORMANCE_SCHEMA", "mysql", "sys", "test"];

/// Whether `name` names an existing database (case-insensitive, as with `lower_case_table_names=2`).
pub fn database_exists(name: &str) -> bool {
    BUILTIN_DATABASES.iter().any(|d| d.eq_ignore_ascii_case(name))
}
