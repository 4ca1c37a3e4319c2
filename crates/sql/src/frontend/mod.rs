//! The front end: a statement's text before it is bound — splitting a multi-statement query
//! (`split`), decoding its bytes (`text`), judging the stack it may need (`stack`), recognising
//! the statements the parser has no tree for (`special`, `account`, `brie`, `checksum`), parameterizing its literals for the
//! plan cache (`parameterize`) and parsing it (`parser`, over `sqlparser`).

pub mod account;
pub mod brie;
pub mod checksum;
pub mod parameterize;
pub mod parser;
pub mod special;
pub mod split;
pub mod stack;
pub mod text;
