//! The Docker Space packaging agrees with itself and with the code.
//!
//! Docker cannot run where the tests run, so this reads the root `Dockerfile` and the
//! README's "Deploy to Hugging Face" section and checks them against each other and
//! against what the code declares: the port (`EXPOSE`, `ENV PORT`, `app_port`, and the
//! server's own reading of `HOST`/`PORT`), the health check path (answered by the router),
//! the OAuth scopes ([`hub::oauth::FACTORY_SCOPES`]), the environment variables and their
//! defaults (the server's `Config`, the worker's, tracing's), and the binaries and folders
//! the image puts in place. Every rule is also shown failing on a mutated copy.

mod packaging;

use crate::kit::TestApp;
use std::path::PathBuf;

use packaging::{check, pinned_pi_version, CodeFacts, DeploySection, Dockerfile};

fn repo_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Sources {
    dockerfile: String,
    readme: String,
}

fn sources() -> Sources {
    Sources {
        dockerfile: repo_file("Dockerfile"),
        readme: repo_file("README.md"),
    }
}

/// The rules' verdict on (possibly mutated) Dockerfile and README texts.
fn problems(dockerfile: &str, readme: &str) -> Vec<String> {
    let docker = Dockerfile::parse(dockerfile).expect("Dockerfile parses");
    let deploy = DeploySection::parse(readme).expect("README deploy section parses");
    check(&docker, &deploy, &CodeFacts::from_code())
}

/// `text` with `from` replaced by `to`, which must occur in it.
fn mutated(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the text has no {from:?} to mutate");
    text.replacen(from, to, 1)
}

fn assert_flags(found: &[String], needle: &str) {
    assert!(
        found.iter().any(|p| p.contains(needle)),
        "expected a problem mentioning {needle:?}, got {found:#?}"
    );
}

#[test]
fn dockerfile_readme_and_code_agree() {
    let s = sources();
    let found = problems(&s.dockerfile, &s.readme);
    assert!(found.is_empty(), "packaging disagrees: {found:#?}");
}

#[tokio::test]
async fn the_health_check_path_is_served() {
    let docker = Dockerfile::parse(&sources().dockerfile).unwrap();
    let path = docker
        .health_path()
        .expect("HEALTHCHECK with a URL on ${PORT}");
    let stand = TestApp::start().await;
    assert_eq!(
        stand.status_of(&path).await,
        reqwest::StatusCode::OK,
        "{path}"
    );

    // A mutated HEALTHCHECK path is caught by the same probe.
    let bad = mutated(&sources().dockerfile, "/healthz", "/health");
    let path = Dockerfile::parse(&bad).unwrap().health_path().unwrap();
    assert_eq!(
        stand.status_of(&path).await,
        reqwest::StatusCode::NOT_FOUND,
        "{path}"
    );
}

/// The image's `HOST` and `PORT` are what the server listens on: the real binary, started
/// with the image's environment, reports the address it would use.
#[test]
fn the_server_listens_where_the_image_says() {
    let docker = Dockerfile::parse(&sources().dockerfile).unwrap();
    let host = docker.env.get("HOST").expect("ENV HOST");
    let port = docker.env.get("PORT").expect("ENV PORT");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_space-factory"))
        .arg("--help")
        .env_remove("SPACE_FACTORY_ADDR")
        .env("HOST", host)
        .env("PORT", port)
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let expected = format!("[default: {host}:{port}]");
    assert!(help.contains(&expected), "no {expected} in:\n{help}");
}

#[test]
fn a_different_port_in_the_readme_is_caught() {
    let s = sources();
    let found = problems(
        &s.dockerfile,
        &mutated(&s.readme, "app_port: 7860", "app_port: 8080"),
    );
    assert_flags(&found, "app_port");
}

#[test]
fn a_different_exposed_port_is_caught() {
    let s = sources();
    let found = problems(
        &mutated(&s.dockerfile, "EXPOSE 7860", "EXPOSE 3000"),
        &s.readme,
    );
    assert_flags(&found, "EXPOSE");
}

#[test]
fn a_missing_or_extra_scope_is_caught() {
    let s = sources();
    let found = problems(&s.dockerfile, &mutated(&s.readme, "  - jobs\n", ""));
    assert_flags(&found, "jobs");
    let found = problems(
        &s.dockerfile,
        &mutated(&s.readme, "  - jobs\n", "  - jobs\n  - webhooks\n"),
    );
    assert_flags(&found, "webhooks");
}

#[test]
fn front_matter_settings_are_checked() {
    let s = sources();
    let found = problems(
        &s.dockerfile,
        &mutated(&s.readme, "sdk: docker", "sdk: gradio"),
    );
    assert_flags(&found, "sdk");
    let found = problems(
        &s.dockerfile,
        &mutated(
            &s.readme,
            "hf_oauth_expiration_minutes: 480",
            "hf_oauth_expiration_minutes: 60",
        ),
    );
    assert_flags(&found, "hf_oauth_expiration_minutes");
}

#[test]
fn a_misspelt_variable_is_caught() {
    let s = sources();
    let found = problems(
        &s.dockerfile,
        &mutated(
            &s.readme,
            "| `LEPTOS_SITE_ROOT` | the image",
            "| `LEPTOS_SITE_DIR` | the image",
        ),
    );
    assert_flags(&found, "LEPTOS_SITE_DIR");
    // The real name, set by the image, is then undocumented, which is reported too.
    assert_flags(&found, "LEPTOS_SITE_ROOT");
}

#[test]
fn an_undocumented_setting_is_caught() {
    let s = sources();
    let row = "| `SPACE_FACTORY_JOB_FLAVOR` | you (optional) |";
    let readme = s
        .readme
        .lines()
        .filter(|line| !line.starts_with(row))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(readme.len() + 1, s.readme.len(), "the row was removed");
    assert_flags(
        &problems(&s.dockerfile, &readme),
        "SPACE_FACTORY_JOB_FLAVOR",
    );
}

#[test]
fn a_wrong_default_is_caught() {
    let s = sources();
    let found = problems(
        &s.dockerfile,
        &mutated(&s.readme, "default `target/site`", "default `site`"),
    );
    assert_flags(&found, "defaults to site");
    let found = problems(
        &s.dockerfile,
        &mutated(&s.readme, "default `cpu-basic`", "default `cpu-upgrade`"),
    );
    assert_flags(&found, "cpu-upgrade");
}

#[test]
fn image_values_must_match_the_readme() {
    let s = sources();
    let found = problems(
        &mutated(
            &s.dockerfile,
            "LEPTOS_SITE_ROOT=/app/site",
            "LEPTOS_SITE_ROOT=/srv/site",
        ),
        &s.readme,
    );
    assert_flags(&found, "LEPTOS_SITE_ROOT");
    let found = problems(
        &mutated(
            &s.dockerfile,
            "    RUST_LOG=info\n",
            "    RUST_LOG=info \\\n    EXTRA_SETTING=1\n",
        ),
        &s.readme,
    );
    assert_flags(&found, "EXTRA_SETTING");
}

#[test]
fn the_pi_prefix_must_be_where_pi_is_installed() {
    let s = sources();
    let found = problems(
        &mutated(
            &s.dockerfile,
            "SPACE_FACTORY_PI_PREFIX=/opt/pi",
            "SPACE_FACTORY_PI_PREFIX=/opt/agent",
        ),
        &s.readme,
    );
    assert_flags(&found, "SPACE_FACTORY_PI_PREFIX");
}

#[test]
fn the_image_must_be_what_local_jobs_stand_in_for() {
    let s = sources();
    for (from, to, flag) in [
        (
            "PATH=/opt/hf/bin:$PATH",
            "PATH=/opt/cli/bin:$PATH",
            "hf CLI's folder",
        ),
        (
            "huggingface_hub==2.4.0",
            "huggingface_hub==2.3.0",
            "huggingface_hub==2.4.0",
        ),
        ("python3 -m venv /opt/hf", "python3 -m venv /opt/py", "venv"),
    ] {
        let found = problems(&mutated(&s.dockerfile, from, to), &s.readme);
        assert_flags(&found, flag);
    }
}

#[test]
fn the_binaries_must_be_the_ones_the_code_names() {
    let s = sources();
    let found = problems(
        &mutated(
            &s.dockerfile,
            "/src/target/release/worker ",
            "/src/target/release/factory-worker ",
        ),
        &s.readme,
    );
    assert_flags(&found, "worker");
    let found = problems(
        &mutated(
            &s.dockerfile,
            r#"CMD ["space-factory"]"#,
            r#"CMD ["server"]"#,
        ),
        &s.readme,
    );
    assert_flags(&found, "CMD");
}

/// The image installs Pi from `tools/pi`'s lock; that pin is the version the worker expects.
#[test]
fn the_image_pi_is_the_version_the_worker_expects() {
    use worker::agent::install::{DEFAULT_PACKAGE, DEFAULT_VERSION};
    let pinned = pinned_pi_version(&repo_file("tools/pi/package.json"), DEFAULT_PACKAGE);
    assert_eq!(pinned.as_deref(), Some(DEFAULT_VERSION));
    let changed = r#"{"dependencies": {"@mariozechner/pi-coding-agent": "0.70.0"}}"#;
    assert_ne!(
        pinned_pi_version(changed, DEFAULT_PACKAGE).as_deref(),
        Some(DEFAULT_VERSION)
    );
}
