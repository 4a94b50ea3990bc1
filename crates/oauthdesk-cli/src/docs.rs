//! Shell completions and man pages, generated from the same definitions as the parser.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{CliError, Result};

pub fn completions(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "oauthdesk", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The top-level page on stdout, or every command's page written into `out_dir`.
pub fn man(out_dir: Option<&Path>) -> Result<String> {
    let command = Cli::command();
    match out_dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(|e| CliError::Failed(format!("could not render the man page: {e}")))?;
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(command, dir))
                .map_err(|e| {
                    CliError::Failed(format!(
                        "could not write the man pages into {}: {e}",
                        dir.display()
                    ))
                })?;
            Ok(format!("man pages written to {}\n", dir.display()))
        }
    }
}
