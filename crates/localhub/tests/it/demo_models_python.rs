//! The demo models as Python programs see them: the official client `huggingface_hub`
//! lists, describes and downloads them and is refused the gated one's files
//! (`GatedRepoError`); Transformers with PyTorch loads each Transformers one by id through
//! the hub and runs its task as phase 5's apps do.
//!
//! The Transformers check needs the PyTorch venv of phase 5's Spaces (about 5.6 GB from
//! PyPI): like phase 5's live test it runs where that venv is prepared, installs it with
//! `SPACE_FACTORY_LIVE_TORCH=1`, and is skipped with `0` or where it is missing.

use localhub::demo_models::ALL;

const CLIENT_SCRIPT: &str = r#"
import huggingface_hub as hh
api = hh.HfApi()
print("listed", sorted(m.id for m in api.list_models(author="space-factory-demo")))
info = api.model_info("space-factory-demo/tiny-gpt2")
print("pipeline", info.pipeline_tag, info.library_name, info.gated)
print("parameters", info.safetensors.total)
meta = api.get_safetensors_metadata("space-factory-demo/tiny-gpt2")
wte = meta.files_metadata["model.safetensors"].tensors["wte.weight"]
print("wte", wte.dtype, wte.shape)
print("config", open(hh.hf_hub_download("space-factory-demo/tiny-gpt2", "config.json")).read().count("GPT2LMHeadModel"))
print("gated-info", api.model_info("space-factory-demo/tiny-gated").gated)
try:
    hh.hf_hub_download("space-factory-demo/tiny-gated", "config.json")
    print("gated-download accepted")
except hh.errors.GatedRepoError as e:
    print("gated-download", e.response.status_code)
"#;

#[tokio::test]
async fn the_official_client_lists_reads_and_is_refused_the_gated_demo_model() {
    let python = crate::kit::prepared_python(localhub::python_env::HF_CLIENT_VENV);
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let cache = tempfile::tempdir().unwrap();
    let stdout = crate::kit::stdout_of(
        t.python(&python)
            .arg("-c")
            .arg(CLIENT_SCRIPT)
            .env("HF_HOME", cache.path()),
    )
    .await;
    let mut ids: Vec<String> = ALL.iter().map(|m| format!("'{}'", m.id)).collect();
    ids.sort();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("listed [{}]", ids.join(", ")));
    assert_eq!(lines[1], "pipeline text-generation transformers False");
    assert!(lines[2].starts_with("parameters "), "{stdout}");
    assert!(
        lines[3].starts_with("wte F32 [") && lines[3].ends_with(", 32]"),
        "{stdout}"
    );
    assert_eq!(lines[4], "config 1");
    assert_eq!(lines[5], "gated-info manual");
    assert_eq!(lines[6], "gated-download 403");
}

/// The venv phase 5's text-generation Spaces get (`worker::generate::model_app::requirements`),
/// when this test may use it.
fn torch_env() -> Option<localhub::spaces::SpaceEnv> {
    let env = localhub::spaces::space_env("transformers>=5,<6\ntorch\n");
    match std::env::var(localhub::spaces::LIVE_TORCH_ENV).as_deref() {
        Ok("1") => Some(env),
        Ok("0") => None,
        _ if env.is_prepared() => Some(env),
        _ => {
            eprintln!(
                "skipped: the Transformers + PyTorch venv `{}` is not prepared; set {}=1 to install it (about 5.6 GB) and run",
                env.name,
                localhub::spaces::LIVE_TORCH_ENV
            );
            None
        }
    }
}

#[tokio::test]
async fn transformers_loads_every_demo_model_through_the_hub_and_runs_its_task() {
    let Some(env) = torch_env() else { return };
    let python = tokio::task::spawn_blocking(move || env.ensure())
        .await
        .unwrap()
        .expect("the PyTorch venv installs")
        .python();
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let cache = tempfile::tempdir().unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load_demo_models.py");
    // The ONNX exports are no Transformers checkpoints: phase 5 serves them with ONNX
    // Runtime (its live test runs them).
    let models: Vec<_> = ALL
        .iter()
        .filter(|m| m.library_name() == "transformers")
        .collect();
    let stdout = crate::kit::stdout_of(
        t.python(&python)
            .arg(script)
            .args(models.iter().map(|m| m.id))
            .env("HF_HOME", cache.path()),
    )
    .await;
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), models.len(), "{stdout}");
    for (r, model) in results.iter().zip(models) {
        assert_eq!(r["model"], model.id);
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["task"].as_str(), model.pipeline_tag, "{r}");
    }
    let gpt2 = results[0]["output"].as_str().unwrap();
    assert!(gpt2.starts_with("Once upon a time"), "{gpt2}");
}
