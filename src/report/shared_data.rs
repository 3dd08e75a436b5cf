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

/// The published final-report sample with LEIs whose check digits hold: the sample's own
/// (`ABCDEFGHIJ1234567890`...) fail ISO 17442, which a complete draft may not.
pub fn final_report_sample() -> serde_json::Value {
    let text = serde_json::to_string(&read_json("dora_ir_final_report_sample_v1.3.json"))
        .expect("JSON serialises");
    let mut text = text;
    for (fake, real) in [
        ("ABCDEFGHIJ1234567890", "5299009ZB1ACMBANK036"),
        ("BCDEFGHIJK2345678901", "5299001AFFECTED00170"),
        ("CDEFGHIJKL3456789012", "5299002AFFECTED00216"),
        ("DEFGHIJKLM4567890123", "5299003ACMHOLDING017"),
    ] {
        text = text.replace(fake, real);
    }
    serde_json::from_str(&text).expect("still JSON")
}
