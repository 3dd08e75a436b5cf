//! Where the tests find the workplace's shared data (the DORA_IR schemas and the published
//! final-report sample): read in place, never copied into the project.
//!
//! `DORA_BRIDGE_SHARED` names the folder when set; otherwise `shared/` beside the checkout.

use std::path::PathBuf;

pub fn schemas_dir() -> PathBuf {
    let root = std::env::var_os("DORA_BRIDGE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
        });
    let dir = root.join("spec").join("schemas");
    assert!(
        dir.is_dir(),
        "the shared DORA_IR schemas are not at {}: set DORA_BRIDGE_SHARED to the folder that holds spec/schemas",
        dir.display()
    );
    dir
}

pub fn read_json(name: &str) -> serde_json::Value {
    let path = schemas_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
