//! Server status flags carried by OK and EOF packets.

/// The `SERVER_STATUS_*` bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerStatus(pub u16);

impl ServerStatus {
    /// A transaction is open.
    pub const IN_TRANS: u16 = 0x0001;
    /// Autocommit mode is on.
    pub const AUTOCOMMIT: u16 = 0x0002;
    /// More result sets follow (multi-statement).
    pub const MORE_RESULTS_EXISTS: u16 = 0x0008;
    /// The query used no index (informational).
    pub const NO_INDEX_USED: u16 = 0x0020;
    /// The open transaction is read-only.
    pub const IN_TRANS_READONLY: u16 = 0x2000;

    /// The set with `flag` added.
    pub fn with(self, flag: u16) -> Self {
        ServerStatus(self.0 | flag)
    }

    /// Whether `flag` is set.
    pub fn has(self, flag: u16) -> bool {
        self.0 & flag == flag
    }
}
