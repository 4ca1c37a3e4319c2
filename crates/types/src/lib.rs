//! SQL values and MySQL column metadata shared by every FerroDB layer.
//!
//! [`Value`] is the runtime datum the executor computes with; [`FieldType`], [`ColumnFlags`] and
//! [`ResultColumn`] describe result-set columns exactly as the MySQL protocol's column-definition
//! packet does, so the wire layer only serialises what the SQL layer decided.

mod column;
mod decimal;
mod duration;
mod field;
mod temporal;
mod value;

pub use column::{ColumnType, TypeKind};
pub use decimal::{Decimal, ParseDecimalError, MAX_PRECISION, MAX_SCALE};
pub use duration::{Duration, MAX_TIME_MICROS};
pub use field::{charset, ColumnFlags, FieldType, ResultColumn};
pub use temporal::{civil_from_days, days_from_civil, days_in_month, Temporal, TemporalKind};
pub use value::{is_numeric_text, parse_f64_prefix, Value};
