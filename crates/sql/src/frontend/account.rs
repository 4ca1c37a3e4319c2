//! Account statements, parsed from their tokens (sqlparser has no MySQL trees for them):
//! `CREATE/ALTER/DROP/RENAME USER`, `CREATE/DROP ROLE`, `SET PASSWORD`, `GRANT`/`REVOKE` of
//! privileges and of roles, `SET [DEFAULT] ROLE`, `SHOW GRANTS` and `FLUSH PRIVILEGES`, in
//! TiDB's grammar. The session runs them against the grant tables (`session::account`).

use errno::{Error, Result, ER_PARSE};
use privilege::{Identity, Priv};
use sqlparser::tokenizer::Token;

/// How an account authenticates, as a statement sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthSpec {
    /// `IDENTIFIED WITH plugin`.
    pub plugin: Option<String>,
    /// `BY 'clear password'`.
    pub password: Option<String>,
    /// `AS 'stored form'`.
    pub hashed: Option<String>,
}

/// One account of a CREATE/ALTER USER or GRANT list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// The account.
    pub id: Identity,
    /// Its `IDENTIFIED …` clause.
    pub auth: Option<AuthSpec>,
}

/// Account options (`ACCOUNT LOCK`, `PASSWORD EXPIRE`, `FAILED_LOGIN_ATTEMPTS n`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountOptions {
    /// `ACCOUNT LOCK` (true) / `ACCOUNT UNLOCK` (false).
    pub lock: Option<bool>,
    /// `PASSWORD EXPIRE` (true) / `PASSWORD EXPIRE NEVER|DEFAULT` (false).
    pub expire: Option<bool>,
    /// `FAILED_LOGIN_ATTEMPTS n`.
    pub failed_login_attempts: Option<u32>,
    /// `PASSWORD_LOCK_TIME n | UNBOUNDED` (-1).
    pub password_lock_time: Option<i64>,
}

/// A privilege named in GRANT/REVOKE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivName {
    /// `ALL [PRIVILEGES]`.
    All,
    /// `USAGE`.
    Usage,
    /// A static privilege.
    Static(Priv),
    /// A dynamic privilege (`SYSTEM_VARIABLES_ADMIN`, …), upper case.
    Dynamic(String),
}

/// A privilege with its column list (`SELECT (a, b)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivSpec {
    /// The privilege.
    pub name: PrivName,
    /// Columns, for a column-level grant.
    pub columns: Vec<String>,
}

/// What a GRANT/REVOKE applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantObject {
    /// `*.*`.
    Global,
    /// `db.*`, or `*` (the current database: `None`).
    Db(Option<String>),
    /// `[db.]table`.
    Table(Option<String>, String),
}

/// Which roles `SET ROLE` / `SET DEFAULT ROLE` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSet {
    /// `DEFAULT`: the account's default roles.
    Default,
    /// `NONE`.
    None,
    /// `ALL [EXCEPT r, …]`.
    All(Vec<Identity>),
    /// The listed roles.
    List(Vec<Identity>),
}

/// An account statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountStmt {
    /// `CREATE USER|ROLE [IF NOT EXISTS] …`.
    Create {
        /// CREATE ROLE.
        role: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// The accounts.
        users: Vec<UserSpec>,
        /// Account options.
        options: AccountOptions,
    },
    /// `ALTER USER [IF EXISTS] …`.
    Alter {
        /// IF EXISTS.
        if_exists: bool,
        /// The accounts (`USER()` resolves to the current one).
        users: Vec<UserSpec>,
        /// Account options.
        options: AccountOptions,
    },
    /// `DROP USER|ROLE [IF EXISTS] …`.
    Drop {
        /// DROP ROLE.
        role: bool,
        /// IF EXISTS.
        if_exists: bool,
        /// The accounts.
        users: Vec<Identity>,
    },
    /// `RENAME USER a TO b, …`.
    Rename(Vec<(Identity, Identity)>),
    /// `SET PASSWORD [FOR account] = 'pw'`.
    SetPassword {
        /// The account (`None`: the current one).
        user: Option<Identity>,
        /// The new clear password.
        password: String,
    },
    /// `GRANT privileges ON object TO accounts [WITH GRANT OPTION]`.
    Grant {
        /// The privileges.
        privs: Vec<PrivSpec>,
        /// What they apply to.
        object: GrantObject,
        /// The grantees.
        users: Vec<UserSpec>,
        /// WITH GRANT OPTION.
        with_grant: bool,
    },
    /// `REVOKE privileges ON object FROM accounts`.
    Revoke {
        /// The privileges.
        privs: Vec<PrivSpec>,
        /// What they apply to.
        object: GrantObject,
        /// The accounts.
        users: Vec<Identity>,
    },
    /// `GRANT role, … TO account, … [WITH ADMIN OPTION]`.
    GrantRole {
        /// The roles.
        roles: Vec<Identity>,
        /// The grantees.
        users: Vec<Identity>,
        /// WITH ADMIN OPTION.
        admin: bool,
    },
    /// `REVOKE role, … FROM account, …`.
    RevokeRole {
        /// The roles.
        roles: Vec<Identity>,
        /// The accounts.
        users: Vec<Identity>,
    },
    /// `SET ROLE …`.
    SetRole(RoleSet),
    /// `SET DEFAULT ROLE … TO account, …`.
    SetDefaultRole {
        /// The roles.
        roles: RoleSet,
        /// The accounts.
        users: Vec<Identity>,
    },
    /// `SHOW GRANTS [FOR account [USING role, …]]`.
    ShowGrants {
        /// The account (`None`: the current user, with its active roles).
        user: Option<Identity>,
        /// USING roles.
        using: Vec<Identity>,
    },
    /// `FLUSH PRIVILEGES`.
    FlushPrivileges,
    /// `SHOW CREATE USER account`.
    ShowCreateUser(Identity),
}

/// Recognises an account statement; `None` when `text` is not one, `Some(Err)` (1064) when it
/// is one with a syntax error.
pub fn recognize(text: &str) -> Option<Result<AccountStmt>> {
    let first = super::text::first_word(text).to_ascii_uppercase();
    if !matches!(
        first.as_str(),
        "CREATE" | "ALTER" | "DROP" | "RENAME" | "SET" | "GRANT" | "REVOKE" | "SHOW" | "FLUSH"
    ) {
        return None;
    }
    let tokens = crate::frontend::text::significant_tokens(text)?;
    let mut p = Parser { tokens, pos: 0 };
    let second = p.word_at(1).unwrap_or_default();
    let third = p.word_at(2).unwrap_or_default();
    let is_account = match (first.as_str(), second.as_str()) {
        ("CREATE" | "DROP", "USER" | "ROLE") | ("ALTER" | "RENAME", "USER") => true,
        ("SET", "PASSWORD") => true,
        ("SET", "ROLE") => true,
        ("SET", "DEFAULT") => third == "ROLE",
        ("GRANT" | "REVOKE", _) => true,
        ("SHOW", "GRANTS") => true,
        ("SHOW", "CREATE") => third == "USER",
        ("FLUSH", "PRIVILEGES") => true,
        _ => false,
    };
    if !is_account {
        return None;
    }
    Some(p.statement().map_err(|near| {
        let near = if near.is_empty() { text.to_string() } else { near };
        Error::fmt(ER_PARSE, &[&near, &1i64])
    }))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

/// A parse failure: the text near where it happened.
type PResult<T> = std::result::Result<T, String>;

impl Parser {
    fn word_at(&self, i: usize) -> Option<String> {
        match self.tokens.get(i) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn fail<T>(&self) -> PResult<T> {
        let rest: Vec<String> =
            self.tokens[self.pos.min(self.tokens.len())..].iter().map(|t| t.to_string()).collect();
        Err(rest.join(" "))
    }

    fn peek_kw(&self, k: &str) -> bool {
        self.word_at(self.pos).is_some_and(|w| w == k)
    }

    fn eat_kw(&mut self, k: &str) -> bool {
        if self.peek_kw(k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, k: &str) -> PResult<()> {
        if self.eat_kw(k) {
            Ok(())
        } else {
            self.fail()
        }
    }

    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn end(&mut self) -> PResult<()> {
        while self.eat(&Token::SemiColon) {}
        if self.pos == self.tokens.len() {
            Ok(())
        } else {
            self.fail()
        }
    }

    fn string(&mut self) -> PResult<String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.fail(),
        }
    }

    fn number(&mut self) -> PResult<i64> {
        match self.peek() {
            Some(Token::Number(n, _)) => {
                let n = n.parse().or_else(|_| self.fail())?;
                self.pos += 1;
                Ok(n)
            }
            _ => self.fail(),
        }
    }

    /// A name: a word (quoted or not) or a string.
    fn name(&mut self) -> PResult<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let v = w.value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => self.string(),
        }
    }

    /// `'user'@'host'`, `user@host`, `'user'` (host `%`) or `CURRENT_USER[()]` (empty user and
    /// host: the caller resolves it).
    fn account(&mut self) -> PResult<Identity> {
        if self.peek_kw("CURRENT_USER") {
            self.pos += 1;
            if self.eat(&Token::LParen) && !self.eat(&Token::RParen) {
                return self.fail();
            }
            return Ok(Identity::new("", ""));
        }
        let (user, mut host) = match self.peek() {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.contains('@') => {
                let (u, h) = w.value.split_once('@').unwrap_or_default();
                let (u, h) = (u.to_string(), h.to_string());
                self.pos += 1;
                (u, if h.is_empty() { None } else { Some(h) })
            }
            _ => {
                let user = self.name()?;
                if self.eat(&Token::AtSign) {
                    (user, None)
                } else {
                    return Ok(Identity::new(&user, "%"));
                }
            }
        };
        if host.is_none() {
            host = Some(match self.peek() {
                Some(Token::Mod) => {
                    self.pos += 1;
                    "%".to_string()
                }
                _ => self.name()?,
            });
        }
        Ok(Identity::new(&user, &host.unwrap_or_default()))
    }

    fn accounts(&mut self) -> PResult<Vec<Identity>> {
        let mut out = vec![self.account()?];
        while self.eat(&Token::Comma) {
            out.push(self.account()?);
        }
        Ok(out)
    }

    /// `IDENTIFIED [WITH plugin] [BY 'pw' | AS 'hash']`.
    fn auth(&mut self) -> PResult<Option<AuthSpec>> {
        if !self.eat_kw("IDENTIFIED") {
            return Ok(None);
        }
        let mut spec = AuthSpec::default();
        if self.eat_kw("WITH") {
            spec.plugin = Some(self.name()?.to_ascii_lowercase());
        }
        if self.eat_kw("BY") {
            if self.eat_kw("PASSWORD") {
                spec.hashed = Some(self.string()?);
            } else {
                spec.password = Some(self.string()?);
            }
        } else if self.eat_kw("AS") {
            spec.hashed = Some(self.string()?);
        } else if spec.plugin.is_none() {
            return self.fail();
        }
        Ok(Some(spec))
    }

    fn user_specs(&mut self) -> PResult<Vec<UserSpec>> {
        let mut out = Vec::new();
        loop {
            let id = self.account()?;
            let auth = self.auth()?;
            out.push(UserSpec { id, auth });
            if !self.eat(&Token::Comma) {
                return Ok(out);
            }
        }
    }

    fn options(&mut self) -> PResult<AccountOptions> {
        let mut o = AccountOptions::default();
        loop {
            if self.eat_kw("ACCOUNT") {
                if self.eat_kw("LOCK") {
                    o.lock = Some(true);
                } else {
                    self.expect_kw("UNLOCK")?;
                    o.lock = Some(false);
                }
            } else if self.eat_kw("PASSWORD") {
                self.expect_kw("EXPIRE")?;
                if self.eat_kw("NEVER") || self.eat_kw("DEFAULT") {
                    o.expire = Some(false);
                } else if self.eat_kw("INTERVAL") {
                    self.number()?;
                    self.expect_kw("DAY")?;
                    o.expire = Some(false);
                } else {
                    o.expire = Some(true);
                }
            } else if self.eat_kw("FAILED_LOGIN_ATTEMPTS") {
                o.failed_login_attempts =
                    Some(u32::try_from(self.number()?).or_else(|_| self.fail())?);
            } else if self.eat_kw("PASSWORD_LOCK_TIME") {
                o.password_lock_time =
                    Some(if self.eat_kw("UNBOUNDED") { -1 } else { self.number()? });
            } else if self.eat_kw("REQUIRE") {
                // REQUIRE NONE | SSL | X509 …: TLS requirements are not enforced per account.
                while self.peek().is_some_and(|t| matches!(t, Token::Word(_))) {
                    let stop = [
                        "ACCOUNT",
                        "PASSWORD",
                        "WITH",
                        "FAILED_LOGIN_ATTEMPTS",
                        "PASSWORD_LOCK_TIME",
                        "COMMENT",
                        "ATTRIBUTE",
                    ]
                    .iter()
                    .any(|k| self.peek_kw(k));
                    if stop {
                        break;
                    }
                    self.pos += 1;
                    if self.peek().is_some_and(|t| matches!(t, Token::SingleQuotedString(_))) {
                        self.pos += 1;
                    }
                }
            } else if self.eat_kw("COMMENT") || self.eat_kw("ATTRIBUTE") {
                self.string()?;
            } else if self.eat_kw("WITH") {
                // WITH MAX_QUERIES_PER_HOUR n …: resource limits are accepted and not kept.
                while let Some(Token::Word(_)) = self.peek() {
                    self.pos += 1;
                    self.number()?;
                }
            } else {
                return Ok(o);
            }
        }
    }

    fn privilege(&mut self) -> PResult<PrivSpec> {
        let mut words = Vec::new();
        while let Some(Token::Word(w)) = self.peek() {
            if w.quote_style.is_some() || w.value.eq_ignore_ascii_case("ON") {
                break;
            }
            words.push(w.value.to_ascii_uppercase());
            self.pos += 1;
            if Priv::from_keyword(&words.join(" ")).is_some() {
                // Longest keyword: `CREATE` may go on to `CREATE VIEW`, `GRANT` to `GRANT OPTION`.
                let longer = self.word_at(self.pos).is_some_and(|next| {
                    let candidate = format!("{} {next}", words.join(" "));
                    Priv::from_keyword(&candidate).is_some()
                        || ["CREATE TEMPORARY", "REPLICATION"].contains(&candidate.as_str())
                        || (candidate.starts_with("CREATE TEMPORARY") && next == "TABLES")
                });
                if !longer {
                    break;
                }
            }
            if words.len() == 1 && (words[0] == "ALL" || words[0] == "USAGE") {
                if words[0] == "ALL" {
                    self.eat_kw("PRIVILEGES");
                }
                break;
            }
        }
        let joined = words.join(" ");
        let name = match joined.as_str() {
            "" => return self.fail(),
            "ALL" => PrivName::All,
            "USAGE" => PrivName::Usage,
            j => match Priv::from_keyword(j) {
                Some(p) => PrivName::Static(p),
                None if words.len() == 1 => PrivName::Dynamic(j.to_string()),
                None => return self.fail(),
            },
        };
        let mut columns = Vec::new();
        if self.eat(&Token::LParen) {
            loop {
                columns.push(self.name()?);
                if !self.eat(&Token::Comma) {
                    break;
                }
            }
            if !self.eat(&Token::RParen) {
                return self.fail();
            }
        }
        Ok(PrivSpec { name, columns })
    }

    fn object(&mut self) -> PResult<GrantObject> {
        self.eat_kw("TABLE");
        if self.eat(&Token::Mul) {
            if self.eat(&Token::Period) {
                return if self.eat(&Token::Mul) { Ok(GrantObject::Global) } else { self.fail() };
            }
            return Ok(GrantObject::Db(None));
        }
        let first = self.name()?;
        if self.eat(&Token::Period) {
            if self.eat(&Token::Mul) {
                return Ok(GrantObject::Db(Some(first)));
            }
            let table = self.name()?;
            return Ok(GrantObject::Table(Some(first), table));
        }
        Ok(GrantObject::Table(None, first))
    }

    /// Whether the GRANT/REVOKE at the cursor grants roles (no `ON` before TO/FROM).
    fn is_role_grant(&self) -> bool {
        for t in &self.tokens[self.pos..] {
            if let Token::Word(w) = t {
                if w.quote_style.is_none() {
                    let v = w.value.to_ascii_uppercase();
                    if v == "ON" {
                        return false;
                    }
                    if v == "TO" || v == "FROM" {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn role_set(&mut self) -> PResult<RoleSet> {
        if self.eat_kw("DEFAULT") {
            return Ok(RoleSet::Default);
        }
        if self.eat_kw("NONE") {
            return Ok(RoleSet::None);
        }
        if self.eat_kw("ALL") {
            let except = if self.eat_kw("EXCEPT") { self.accounts()? } else { Vec::new() };
            return Ok(RoleSet::All(except));
        }
        Ok(RoleSet::List(self.accounts()?))
    }

    fn statement(&mut self) -> PResult<AccountStmt> {
        let first = self.word_at(0).unwrap_or_default();
        self.pos = 1;
        let stmt = match first.as_str() {
            "CREATE" => {
                let role = self.eat_kw("ROLE");
                if !role {
                    self.expect_kw("USER")?;
                }
                let if_not_exists = if self.eat_kw("IF") {
                    self.expect_kw("NOT")?;
                    self.expect_kw("EXISTS")?;
                    true
                } else {
                    false
                };
                let users = self.user_specs()?;
                let options = self.options()?;
                AccountStmt::Create { role, if_not_exists, users, options }
            }
            "ALTER" => {
                self.expect_kw("USER")?;
                let if_exists = if self.eat_kw("IF") {
                    self.expect_kw("EXISTS")?;
                    true
                } else {
                    false
                };
                let users = if self.eat_kw("USER") {
                    if !(self.eat(&Token::LParen) && self.eat(&Token::RParen)) {
                        return self.fail();
                    }
                    vec![UserSpec { id: Identity::new("", ""), auth: self.auth()? }]
                } else {
                    self.user_specs()?
                };
                let options = self.options()?;
                AccountStmt::Alter { if_exists, users, options }
            }
            "DROP" => {
                let role = self.eat_kw("ROLE");
                if !role {
                    self.expect_kw("USER")?;
                }
                let if_exists = if self.eat_kw("IF") {
                    self.expect_kw("EXISTS")?;
                    true
                } else {
                    false
                };
                AccountStmt::Drop { role, if_exists, users: self.accounts()? }
            }
            "RENAME" => {
                self.expect_kw("USER")?;
                let mut pairs = Vec::new();
                loop {
                    let from = self.account()?;
                    self.expect_kw("TO")?;
                    pairs.push((from, self.account()?));
                    if !self.eat(&Token::Comma) {
                        break;
                    }
                }
                AccountStmt::Rename(pairs)
            }
            "SET" => {
                if self.eat_kw("PASSWORD") {
                    let user = if self.eat_kw("FOR") { Some(self.account()?) } else { None };
                    if !self.eat(&Token::Eq) {
                        return self.fail();
                    }
                    let password = if self.eat_kw("PASSWORD") {
                        // SET PASSWORD = PASSWORD('pw') (MySQL 5.7 form).
                        if !self.eat(&Token::LParen) {
                            return self.fail();
                        }
                        let pw = self.string()?;
                        if !self.eat(&Token::RParen) {
                            return self.fail();
                        }
                        pw
                    } else {
                        self.string()?
                    };
                    AccountStmt::SetPassword { user, password }
                } else if self.eat_kw("ROLE") {
                    AccountStmt::SetRole(self.role_set()?)
                } else {
                    self.expect_kw("DEFAULT")?;
                    self.expect_kw("ROLE")?;
                    let roles = self.role_set()?;
                    self.expect_kw("TO")?;
                    AccountStmt::SetDefaultRole { roles, users: self.accounts()? }
                }
            }
            "GRANT" if self.is_role_grant() => {
                let roles = self.accounts()?;
                self.expect_kw("TO")?;
                let users = self.accounts()?;
                let admin = if self.eat_kw("WITH") {
                    self.expect_kw("ADMIN")?;
                    self.expect_kw("OPTION")?;
                    true
                } else {
                    false
                };
                AccountStmt::GrantRole { roles, users, admin }
            }
            "GRANT" => {
                let mut privs = vec![self.privilege()?];
                while self.eat(&Token::Comma) {
                    privs.push(self.privilege()?);
                }
                self.expect_kw("ON")?;
                let object = self.object()?;
                self.expect_kw("TO")?;
                let users = self.user_specs()?;
                let mut with_grant = false;
                if self.eat_kw("WITH") {
                    self.expect_kw("GRANT")?;
                    self.expect_kw("OPTION")?;
                    with_grant = true;
                }
                AccountStmt::Grant { privs, object, users, with_grant }
            }
            "REVOKE" if self.is_role_grant() => {
                let roles = self.accounts()?;
                self.expect_kw("FROM")?;
                AccountStmt::RevokeRole { roles, users: self.accounts()? }
            }
            "REVOKE" => {
                let mut privs = vec![self.privilege()?];
                while self.eat(&Token::Comma) {
                    privs.push(self.privilege()?);
                }
                self.expect_kw("ON")?;
                let object = self.object()?;
                self.expect_kw("FROM")?;
                AccountStmt::Revoke { privs, object, users: self.accounts()? }
            }
            "SHOW" if self.eat_kw("CREATE") => {
                self.expect_kw("USER")?;
                AccountStmt::ShowCreateUser(self.account()?)
            }
            "SHOW" => {
                self.expect_kw("GRANTS")?;
                let mut user = None;
                let mut using = Vec::new();
                if self.eat_kw("FOR") {
                    let id = self.account()?;
                    user = (!id.user.is_empty() || !id.host.is_empty()).then_some(id);
                    if self.eat_kw("USING") {
                        using = self.accounts()?;
                    }
                }
                AccountStmt::ShowGrants { user, using }
            }
            "FLUSH" => {
                self.expect_kw("PRIVILEGES")?;
                AccountStmt::FlushPrivileges
            }
            _ => return self.fail(),
        };
        self.end()?;
        Ok(stmt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> AccountStmt {
        match recognize(s) {
            Some(Ok(st)) => st,
            other => unreachable!("{s}: {other:?}"),
        }
    }

    #[test]
    fn users_in_every_spelling() {
        let AccountStmt::Create { users, if_not_exists, .. } =
            parse("CREATE USER IF NOT EXISTS 'a'@'%' IDENTIFIED BY 'pw', b@localhost, `c`@`10.%`, 'd', e@'h' IDENTIFIED WITH caching_sha2_password BY 'x'")
        else {
            unreachable!()
        };
        assert!(if_not_exists);
        let ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
        assert_eq!(ids, ["a@%", "b@localhost", "c@10.%", "d@%", "e@h"]);
        assert_eq!(users[0].auth.as_ref().and_then(|a| a.password.clone()), Some("pw".into()));
        assert_eq!(
            users[4].auth.as_ref().and_then(|a| a.plugin.clone()),
            Some("caching_sha2_password".into())
        );
    }

    #[test]
    fn grants_and_revokes() {
        let AccountStmt::Grant { privs, object, users, with_grant } = parse(
            "GRANT SELECT (a, b), INSERT, CREATE VIEW, CREATE TEMPORARY TABLES, SYSTEM_VARIABLES_ADMIN ON db.t TO u@'%' WITH GRANT OPTION",
        ) else {
            unreachable!()
        };
        assert_eq!(
            privs[0],
            PrivSpec {
                name: PrivName::Static(Priv::Select),
                columns: vec!["a".into(), "b".into()]
            }
        );
        assert_eq!(privs[2].name, PrivName::Static(Priv::CreateView));
        assert_eq!(privs[3].name, PrivName::Static(Priv::CreateTmpTable));
        assert_eq!(privs[4].name, PrivName::Dynamic("SYSTEM_VARIABLES_ADMIN".into()));
        assert_eq!(object, GrantObject::Table(Some("db".into()), "t".into()));
        assert_eq!(users[0].id, Identity::new("u", "%"));
        assert!(with_grant);
        assert!(matches!(
            parse("GRANT ALL PRIVILEGES ON *.* TO root"),
            AccountStmt::Grant { object: GrantObject::Global, .. }
        ));
        assert!(matches!(
            parse("REVOKE ALL ON db.* FROM 'u'@'%'"),
            AccountStmt::Revoke { object: GrantObject::Db(Some(_)), .. }
        ));
        assert!(matches!(parse("GRANT r1, 'r2'@'%' TO u"), AccountStmt::GrantRole { .. }));
        assert!(matches!(parse("REVOKE r1 FROM u"), AccountStmt::RevokeRole { .. }));
        assert!(matches!(parse("GRANT GRANT OPTION ON *.* TO u"), AccountStmt::Grant { .. }));
    }

    #[test]
    fn other_statements() {
        assert!(matches!(parse("SHOW GRANTS"), AccountStmt::ShowGrants { user: None, .. }));
        assert!(matches!(
            parse("SHOW GRANTS FOR CURRENT_USER()"),
            AccountStmt::ShowGrants { user: None, .. }
        ));
        assert!(matches!(
            parse("show grants for u using r"),
            AccountStmt::ShowGrants { user: Some(_), .. }
        ));
        assert!(matches!(
            parse("SET PASSWORD FOR 'u'@'%' = 'x'"),
            AccountStmt::SetPassword { user: Some(_), .. }
        ));
        assert!(matches!(parse("SET PASSWORD = 'x'"), AccountStmt::SetPassword { user: None, .. }));
        assert!(matches!(
            parse("ALTER USER u ACCOUNT LOCK PASSWORD EXPIRE"),
            AccountStmt::Alter {
                options: AccountOptions { lock: Some(true), expire: Some(true), .. },
                ..
            }
        ));
        assert!(matches!(parse("SET ROLE ALL EXCEPT r"), AccountStmt::SetRole(RoleSet::All(_))));
        assert!(matches!(parse("SET DEFAULT ROLE ALL TO u"), AccountStmt::SetDefaultRole { .. }));
        assert!(matches!(parse("RENAME USER a TO b"), AccountStmt::Rename(_)));
        assert!(matches!(
            parse("DROP ROLE IF EXISTS r"),
            AccountStmt::Drop { role: true, if_exists: true, .. }
        ));
        assert!(matches!(parse("FLUSH PRIVILEGES"), AccountStmt::FlushPrivileges));
        assert!(matches!(parse("SHOW CREATE USER 'u'@'%'"), AccountStmt::ShowCreateUser(_)));
        assert!(recognize("SHOW CREATE TABLE t").is_none());
        assert!(recognize("SET NAMES utf8").is_none());
        assert!(recognize("CREATE TABLE t (a int)").is_none());
        assert!(matches!(recognize("GRANT SELECT ON TO u"), Some(Err(_))));
    }
}
