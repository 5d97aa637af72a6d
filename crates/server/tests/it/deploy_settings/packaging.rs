//! Reading the packaging (the `Dockerfile`, the README's deploy section), the facts the
//! code declares, and the rules that must hold between them.

use std::collections::{BTreeMap, BTreeSet};

use clap::CommandFactory;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

/// The README section that describes the Space.
pub const DEPLOY_HEADING: &str = "Deploy to Hugging Face";
/// The token lifetime the factory asks for (minutes; the Hub's default for Spaces).
pub const OAUTH_EXPIRATION_MINUTES: u32 = 480;
/// Set by the image for the operating system, not read by our code.
const OS_ENV: [&str; 2] = ["HOME", "PATH"];
/// The folder the binaries go to: on the default `PATH` of Debian images.
const BIN_DIR: &str = "/usr/local/bin/";

/// What the `Dockerfile` says, instruction by instruction (only the kinds the rules need).
#[derive(Debug, Default)]
pub struct Dockerfile {
    /// `EXPOSE` ports.
    pub expose: Vec<String>,
    /// `ENV` settings.
    pub env: BTreeMap<String, String>,
    /// The `HEALTHCHECK` instruction after its options.
    pub healthcheck: Option<String>,
    /// `COPY` instructions.
    pub copies: Vec<Copy>,
    /// `RUN` commands.
    pub runs: Vec<String>,
    /// The final `CMD`, exec form.
    pub cmd: Option<Vec<String>>,
}

/// One `COPY`.
#[derive(Debug)]
pub struct Copy {
    /// `--from=<stage>`, if any.
    pub from: Option<String>,
    /// Source paths.
    pub sources: Vec<String>,
    /// Destination.
    pub dest: String,
}

impl Dockerfile {
    /// Parses the instructions, joining `\` continuations and skipping comments.
    pub fn parse(text: &str) -> Result<Dockerfile, String> {
        let mut docker = Dockerfile::default();
        let mut logical = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || (trimmed.is_empty() && logical.is_empty()) {
                continue;
            }
            match trimmed.strip_suffix('\\') {
                Some(head) => {
                    logical.push_str(head);
                    logical.push(' ');
                }
                None => {
                    logical.push_str(trimmed);
                    docker.add(std::mem::take(&mut logical))?;
                }
            }
        }
        if !logical.is_empty() {
            docker.add(logical)?;
        }
        Ok(docker)
    }

    fn add(&mut self, instruction: String) -> Result<(), String> {
        let (word, rest) = instruction.split_once(' ').unwrap_or((&instruction, ""));
        let rest = rest.trim();
        match word.to_ascii_uppercase().as_str() {
            "EXPOSE" => self
                .expose
                .extend(rest.split_whitespace().map(str::to_owned)),
            "ENV" => {
                for pair in rest.split_whitespace() {
                    let (k, v) = pair
                        .split_once('=')
                        .ok_or_else(|| format!("ENV without key=value: {instruction}"))?;
                    self.env.insert(k.to_owned(), v.to_owned());
                }
            }
            "HEALTHCHECK" => {
                let (_, command) = rest
                    .split_once("CMD ")
                    .ok_or_else(|| format!("HEALTHCHECK without CMD: {instruction}"))?;
                self.healthcheck = Some(command.trim().to_owned());
            }
            "COPY" => {
                let mut from = None;
                let mut paths = Vec::new();
                for token in rest.split_whitespace() {
                    match token.strip_prefix("--from=") {
                        Some(stage) => from = Some(stage.to_owned()),
                        None if token.starts_with("--") => {}
                        None => paths.push(token.to_owned()),
                    }
                }
                let dest = paths
                    .pop()
                    .ok_or_else(|| format!("empty COPY: {instruction}"))?;
                self.copies.push(Copy {
                    from,
                    sources: paths,
                    dest,
                });
            }
            "RUN" => self.runs.push(rest.to_owned()),
            "CMD" => {
                let cmd = serde_json::from_str(rest)
                    .map_err(|e| format!("CMD is not in exec form ({e}): {instruction}"))?;
                self.cmd = Some(cmd);
            }
            _ => {}
        }
        Ok(())
    }

    /// The path the health check requests on the server's own port, if it does.
    pub fn health_path(&self) -> Option<String> {
        let command = self.healthcheck.as_deref()?;
        let after = command.split_once("http://127.0.0.1:${PORT}")?.1;
        let path: String = after
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
            .collect();
        path.starts_with('/').then_some(path)
    }

    /// Where a `COPY` puts a source whose path ends with `suffix`.
    fn copy_dest_of(&self, suffix: &str) -> Option<&str> {
        self.copies
            .iter()
            .find(|c| c.sources.iter().any(|s| s.ends_with(suffix)))
            .map(|c| c.dest.as_str())
    }
}

/// The front matter keys the factory's Space needs.
#[derive(Debug, Deserialize)]
pub struct FrontMatter {
    /// Must be `docker`.
    pub sdk: String,
    /// The port the Space proxies to.
    pub app_port: u16,
    /// Sign-in with Hugging Face.
    pub hf_oauth: bool,
    /// Token lifetime in minutes.
    pub hf_oauth_expiration_minutes: u32,
    /// Requested scopes.
    pub hf_oauth_scopes: Vec<String>,
}

/// One row of the deploy section's variables table.
#[derive(Debug)]
pub struct Variable {
    /// The names in the first column (code spans).
    pub names: Vec<String>,
    /// Who sets it: "the Space", "the image", "you (optional)".
    pub set_by: String,
    /// The code spans of the meaning column (values, defaults).
    pub spans: Vec<String>,
    /// The meaning column as text, code spans in backticks.
    pub meaning: String,
}

impl Variable {
    /// The value after "default " in the meaning, if one is given as a code span.
    pub fn default(&self) -> Option<&str> {
        let after = self.meaning.split_once("default `")?.1;
        after.split_once('`').map(|(value, _)| value)
    }
}

/// The README's deploy section: its front matter block and its variables table.
#[derive(Debug)]
pub struct DeploySection {
    /// The `yaml` block.
    pub front_matter: FrontMatter,
    /// The table rows.
    pub variables: Vec<Variable>,
}

impl DeploySection {
    /// Finds the section under its `##` heading and reads its yaml block and table.
    pub fn parse(readme: &str) -> Result<DeploySection, String> {
        let mut in_section = false;
        let mut in_heading = false;
        let mut heading = String::new();
        let mut yaml: Option<String> = None;
        let mut in_yaml = false;
        let mut rows: Vec<Vec<(String, Vec<String>)>> = Vec::new();
        let mut cell: Option<(String, Vec<String>)> = None;
        for event in Parser::new_ext(readme, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    ..
                }) => {
                    in_heading = true;
                    heading.clear();
                }
                Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                    in_heading = false;
                    in_section = heading.trim() == DEPLOY_HEADING;
                }
                Event::Text(text) if in_heading => heading.push_str(&text),
                _ if !in_section => {}
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) if &*lang == "yaml" => {
                    in_yaml = true;
                    yaml = Some(String::new());
                }
                Event::End(TagEnd::CodeBlock) => in_yaml = false,
                Event::Text(text) if in_yaml => yaml.get_or_insert_default().push_str(&text),
                Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => cell = Some((String::new(), Vec::new())),
                Event::End(TagEnd::TableCell) => {
                    if let (Some(row), Some(done)) = (rows.last_mut(), cell.take()) {
                        row.push(done);
                    }
                }
                Event::Text(text) => {
                    if let Some((plain, _)) = cell.as_mut() {
                        plain.push_str(&text);
                    }
                }
                Event::Code(code) => {
                    if let Some((plain, spans)) = cell.as_mut() {
                        plain.push_str(&format!("`{code}`"));
                        spans.push(code.to_string());
                    }
                }
                _ => {}
            }
        }
        let yaml = yaml.ok_or_else(|| format!("no yaml block under \"## {DEPLOY_HEADING}\""))?;
        let inner = yaml
            .strip_prefix("---\n")
            .and_then(|y| y.trim_end().strip_suffix("---"))
            .ok_or("the front matter block is not delimited by --- lines")?;
        let front_matter: FrontMatter =
            serde_norway::from_str(inner).map_err(|e| format!("front matter: {e}"))?;
        // The first row is the header.
        let variables = rows
            .into_iter()
            .skip(1)
            .map(|row| match <[_; 3]>::try_from(row) {
                Ok([(_, names), (set_by, _), (meaning, spans)]) => Ok(Variable {
                    names,
                    set_by: set_by.trim().to_owned(),
                    spans,
                    meaning,
                }),
                Err(row) => Err(format!("variables table row without 3 cells: {row:?}")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DeploySection {
            front_matter,
            variables,
        })
    }

    fn names(&self) -> BTreeSet<&str> {
        self.variables
            .iter()
            .flat_map(|v| v.names.iter().map(String::as_str))
            .collect()
    }
}

/// What the code declares that the packaging must match.
#[derive(Debug)]
pub struct CodeFacts {
    /// The scopes sign-in requests.
    pub scopes: Vec<String>,
    /// Every environment variable the server or worker reads.
    pub env_names: BTreeSet<String>,
    /// Defaults of the server's settings, by variable.
    pub defaults: BTreeMap<String, String>,
    /// The server binary's name.
    pub server_bin: String,
    /// The program a Job runs.
    pub worker_bin: String,
}

impl CodeFacts {
    /// Variables the deploy section must document: the ones a Space injects or a deployer
    /// may set.
    fn deploy_names(&self) -> impl Iterator<Item = &String> {
        self.env_names.iter().filter(|n| {
            [
                "OAUTH_",
                "OPENID_",
                "SPACE_FACTORY_BUCKET_",
                "SPACE_FACTORY_JOB_",
            ]
            .iter()
            .any(|p| n.starts_with(p))
                || ["SPACE_HOST", "SPACE_ID"].contains(&n.as_str())
        })
    }

    /// Collects the facts from the code itself.
    pub fn from_code() -> CodeFacts {
        let command = server::config::Config::command();
        let mut env_names = BTreeSet::new();
        let mut defaults = BTreeMap::new();
        for arg in command.get_arguments() {
            let Some(name) = arg.get_env() else { continue };
            let name = name.to_string_lossy().into_owned();
            if let Some(default) = arg.get_default_values().first() {
                defaults.insert(name.clone(), default.to_string_lossy().into_owned());
            }
            env_names.insert(name);
        }
        // `HOST` and `PORT` build the default address (see the test that sets them);
        // the worker finds Pi through its prefix; the log filter is tracing's.
        env_names.extend(["HOST", "PORT"].map(String::from));
        env_names.insert(worker::agent::install::PI_PREFIX_ENV.to_owned());
        env_names.insert(tracing_subscriber::EnvFilter::DEFAULT_ENV.to_owned());
        let server_bin = std::path::Path::new(env!("CARGO_BIN_EXE_space-factory"))
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        CodeFacts {
            scopes: hub::oauth::FACTORY_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            env_names,
            defaults,
            server_bin,
            worker_bin: runs::job::JOB_COMMAND[0].to_owned(),
        }
    }
}

/// Every disagreement between the Dockerfile, the deploy section and the code.
pub fn check(docker: &Dockerfile, deploy: &DeploySection, code: &CodeFacts) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |p: String| problems.push(p);
    let front = &deploy.front_matter;

    // The port: one value everywhere.
    let port = docker.env.get("PORT").cloned().unwrap_or_default();
    if docker.expose != [port.clone()] {
        fail(format!("EXPOSE {:?} but ENV PORT={port}", docker.expose));
    }
    if front.app_port.to_string() != port {
        fail(format!(
            "README app_port {} but ENV PORT={port}",
            front.app_port
        ));
    }

    // The Space settings.
    if front.sdk != "docker" {
        fail(format!("README sdk is {:?}, not docker", front.sdk));
    }
    if !front.hf_oauth {
        fail("README hf_oauth is not true".into());
    }
    if front.hf_oauth_expiration_minutes != OAUTH_EXPIRATION_MINUTES {
        fail(format!(
            "README hf_oauth_expiration_minutes {} is not {OAUTH_EXPIRATION_MINUTES}",
            front.hf_oauth_expiration_minutes
        ));
    }
    let readme_scopes: BTreeSet<_> = front.hf_oauth_scopes.iter().collect();
    let code_scopes: BTreeSet<_> = code.scopes.iter().collect();
    for scope in code_scopes.difference(&readme_scopes) {
        fail(format!(
            "scope {scope} is requested by the code but not in hf_oauth_scopes"
        ));
    }
    for scope in readme_scopes.difference(&code_scopes) {
        fail(format!(
            "scope {scope} is in hf_oauth_scopes but not requested by the code"
        ));
    }

    // The health check runs on the server's own port.
    if docker.health_path().is_none() {
        fail("HEALTHCHECK does not request http://127.0.0.1:${PORT}/<path>".into());
    }

    // Variables: every documented one is read by the code, every deploy-relevant one the
    // code reads is documented, and stated defaults are the code's.
    let documented = deploy.names();
    for name in &documented {
        if !code.env_names.contains(*name) {
            fail(format!("README documents {name}, which no code reads"));
        }
    }
    for name in code.deploy_names() {
        if !documented.contains(name.as_str()) {
            fail(format!(
                "the code reads {name}, which the README deploy section omits"
            ));
        }
    }
    for var in &deploy.variables {
        for name in &var.names {
            match (code.defaults.get(name), var.default()) {
                (Some(code_default), Some(readme)) if code_default != readme => fail(format!(
                    "README says {name} defaults to {readme}, the code to {code_default}"
                )),
                (Some(code_default), None) if var.set_by.starts_with("you") => fail(format!(
                    "README gives no default for {name}; the code's is {code_default}"
                )),
                _ => {}
            }
        }
    }

    // What the image sets is exactly what the README says it sets, with the same values.
    let image_vars: Vec<&Variable> = deploy
        .variables
        .iter()
        .filter(|v| v.set_by == "the image")
        .collect();
    for (name, value) in &docker.env {
        if OS_ENV.contains(&name.as_str()) {
            continue;
        }
        match image_vars.iter().find(|v| v.names.contains(name)) {
            None => fail(format!(
                "the Dockerfile sets {name}, the README does not list it as set by the image"
            )),
            Some(var) if !var.spans.contains(value) => fail(format!(
                "the Dockerfile sets {name}={value}, the README says {:?}",
                var.meaning
            )),
            Some(_) => {}
        }
        if !code.env_names.contains(name) {
            fail(format!("the Dockerfile sets {name}, which no code reads"));
        }
    }
    for var in &image_vars {
        for name in &var.names {
            if !docker.env.contains_key(name) {
                fail(format!(
                    "README says the image sets {name}; the Dockerfile does not"
                ));
            }
        }
    }

    // The binaries the code names, on PATH, and the server as the command.
    for bin in [&code.server_bin, &code.worker_bin] {
        let copied = docker.copies.iter().any(|c| {
            c.from.is_some()
                && c.dest == BIN_DIR
                && c.sources
                    .iter()
                    .any(|s| s.ends_with(&format!("/release/{bin}")))
        });
        if !copied {
            fail(format!(
                "the Dockerfile does not copy the release {bin} binary to {BIN_DIR}"
            ));
        }
    }
    if docker.cmd.as_deref() != Some(std::slice::from_ref(&code.server_bin)) {
        fail(format!(
            "CMD is {:?}, not [{:?}]",
            docker.cmd, code.server_bin
        ));
    }

    // The site and Pi are where the settings point.
    let site = docker.copy_dest_of("target/site");
    if site != docker.env.get("LEPTOS_SITE_ROOT").map(String::as_str) {
        fail(format!(
            "the site is copied to {site:?}, LEPTOS_SITE_ROOT is {:?}",
            docker.env.get("LEPTOS_SITE_ROOT")
        ));
    }
    let prefix_env = worker::agent::install::PI_PREFIX_ENV;
    let pi_dir = docker
        .copy_dest_of("tools/pi/package-lock.json")
        .map(|d| d.trim_end_matches('/'));
    if pi_dir.is_none() || pi_dir != docker.env.get(prefix_env).map(String::as_str) {
        fail(format!(
            "Pi's lock file is copied to {pi_dir:?}, {prefix_env} is {:?}",
            docker.env.get(prefix_env)
        ));
    }
    if !docker.runs.iter().any(|r| r.contains("npm ci")) {
        fail("Pi is not installed with `npm ci` (exactly the locked version)".into());
    }

    // The image is what the embedded hub's Jobs stand in for, part for part (runs::job).
    if docker.env.get(prefix_env).map(String::as_str) != Some(runs::job::IMAGE_PI_PREFIX) {
        fail(format!(
            "{prefix_env} is {:?}; local Jobs stand in for {}",
            docker.env.get(prefix_env),
            runs::job::IMAGE_PI_PREFIX
        ));
    }
    let hf_bin = runs::job::IMAGE_HF_CLI_BIN;
    let path_first = docker
        .env
        .get("PATH")
        .and_then(|p| p.split(':').next())
        .unwrap_or_default();
    if path_first != hf_bin {
        fail(format!(
            "PATH starts with {path_first:?}, not the hf CLI's folder {hf_bin} that local Jobs stand in for"
        ));
    }
    let venv = hf_bin.trim_end_matches("/bin");
    let installs_cli = docker.runs.iter().any(|r| {
        r.contains(&format!("venv {venv}"))
            && r.contains(&format!("{hf_bin}/pip install"))
            && r.split_whitespace().any(|w| w == runs::job::HF_CLI_PACKAGE)
    });
    if !installs_cli {
        fail(format!(
            "the hf CLI is not installed as {} in a venv at {venv} (local Jobs get exactly that)",
            runs::job::HF_CLI_PACKAGE
        ));
    }
    problems
}

/// The version `tools/pi/package.json` pins for the package, as the image installs it.
pub fn pinned_pi_version(package_json: &str, package: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(package_json).ok()?;
    json["dependencies"][package].as_str().map(str::to_owned)
}
