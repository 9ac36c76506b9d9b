//! `critmin admin`: the partner workspace's organisations, users and API
//! tokens, in the store the server uses (`--db`). Passwords are read from
//! standard input (one line), never from the command line.

use super::{Format, Result};
use crate::output::{Out, TextTable};
use clap::{Args, Subcommand};
use critmin_app::access::Role;
use critmin_app::ops::accounts;
use critmin_app::{AppError, Context};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(crate) enum AdminCommand {
    /// Organisations and their sharing groups.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for scripts.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Args, Debug, Clone)]
pub(crate) struct Db {
    /// The store (default: $XDG_DATA_HOME/critmin/intel.db, else
    /// ~/.local/share/critmin/intel.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum OrgCommand {
    /// Add an organisation.
    Add {
        /// Short name (`JP-METI`): letters, digits, `-`, `_`, `.`.
        name: String,
        /// Full name.
        #[arg(long)]
        title: Option<String>,
        /// Sharing groups it belongs to (comma-separated).
        #[arg(long, value_delimiter = ',')]
        group: Vec<String>,
        #[command(flatten)]
        db: Db,
    },
    /// List the organisations.
    List {
        #[command(flatten)]
        db: Db,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
    /// Add a user; the password (at least 12 characters) is read from
    /// standard input.
    Add {
        /// Login name.
        name: String,
        /// Organisation.
        #[arg(long)]
        org: String,
        /// viewer, analyst or admin.
        #[arg(long, default_value = "viewer")]
        role: String,
        #[command(flatten)]
        db: Db,
    },
    /// List users.
    List {
        /// Only this organisation's.
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        db: Db,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Disable a user: their sessions and tokens stop working at once.
    Disable {
        /// Login name.
        name: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum TokenCommand {
    /// Make an API token (printed once; the store keeps only its hash).
    Create {
        /// Whose.
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Days it stays valid (default: until the user is disabled).
        #[arg(long)]
        days: Option<u32>,
        #[command(flatten)]
        db: Db,
    },
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::bad("password", format!("cannot read standard input: {e}")))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub(crate) fn run(cmd: &AdminCommand, _ctx: &Context, out: &mut Out) -> Result {
    match cmd {
        AdminCommand::Org(OrgCommand::Add {
            name,
            title,
            group,
            db,
        }) => {
            let mut s = accounts::open(db.db.as_deref())?;
            accounts::add_org(&mut s, name, title.as_deref().unwrap_or(name), group)?;
            out.line(&format!("organisation {name} added"))
        }
        AdminCommand::Org(OrgCommand::List { db, format }) => {
            let s = accounts::open(db.db.as_deref())?;
            let orgs = accounts::orgs(&s)?;
            if *format == Format::Json {
                return out.write(&critmin_app::to_json(&std::collections::BTreeMap::from([
                    ("orgs", orgs),
                ]))?);
            }
            let mut t = TextTable::new(&["org", "title", "groups", "created"], &[false; 4]);
            for o in orgs {
                t.row(vec![o.name, o.title, o.groups.join(","), o.created]);
            }
            out.write(&t.render())
        }
        AdminCommand::User(UserCommand::Add {
            name,
            org,
            role,
            db,
        }) => {
            let role = Role::parse(role).ok_or_else(|| {
                AppError::bad("--role", format!("`{role}`: viewer, analyst or admin"))
            })?;
            let password = read_password()?;
            let mut s = accounts::open(db.db.as_deref())?;
            accounts::add_user(&mut s, name, org, role, &password)?;
            out.line(&format!("user {name} added to {org} as {}", role.as_str()))
        }
        AdminCommand::User(UserCommand::List { org, db, format }) => {
            let s = accounts::open(db.db.as_deref())?;
            let users = accounts::users(&s, org.as_deref())?;
            if *format == Format::Json {
                return out.write(&critmin_app::to_json(&std::collections::BTreeMap::from([
                    ("users", users),
                ]))?);
            }
            let mut t =
                TextTable::new(&["user", "org", "role", "disabled", "created"], &[false; 5]);
            for u in users {
                t.row(vec![
                    u.name,
                    u.org,
                    u.role.as_str().into(),
                    if u.disabled { "yes" } else { "" }.into(),
                    u.created,
                ]);
            }
            out.write(&t.render())
        }
        AdminCommand::User(UserCommand::Disable { name, db }) => {
            let mut s = accounts::open(db.db.as_deref())?;
            accounts::disable_user(&mut s, name)?;
            out.line(&format!(
                "user {name} disabled; their sessions and tokens are revoked"
            ))
        }
        AdminCommand::Token(TokenCommand::Create {
            user,
            label,
            days,
            db,
        }) => {
            let mut s = accounts::open(db.db.as_deref())?;
            let now = critmin_app::ops::alerts::now_or(None)?;
            let token = accounts::create_token(&mut s, user, label, *days, now)?;
            out.line(&token)
        }
    }
}
