//! The register's lookups, built once when it loads: by function identifier or name, by
//! contractual arrangement reference, the arrangements of each function, and the assessments of
//! each provider and arrangement. Matching a service is then a few hash lookups, whatever the
//! register's size.

use std::collections::HashMap;

use super::templates::key;
use super::{Arrangement, Assessment, Function};

#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    /// key(identifier) and key(name) → functions.
    functions: HashMap<String, Vec<usize>>,
    /// key(reference) → B_02.02 rows.
    references: HashMap<String, Vec<usize>>,
    /// function → its B_02.02 rows.
    by_function: Vec<Vec<usize>>,
    /// (provider, key(reference)) → B_07.01 rows.
    assessments: HashMap<(usize, String), Vec<usize>>,
}

impl Index {
    pub(super) fn new(
        functions: &[Function],
        arrangements: &[Arrangement],
        assessments: &[Assessment],
    ) -> Index {
        let mut index = Index {
            by_function: vec![Vec::new(); functions.len()],
            ..Index::default()
        };
        for (i, f) in functions.iter().enumerate() {
            let (id, name) = (key(&f.id), key(&f.name));
            if name != id {
                index.functions.entry(name).or_default().push(i);
            }
            index.functions.entry(id).or_default().push(i);
        }
        for (j, a) in arrangements.iter().enumerate() {
            index
                .references
                .entry(key(&a.reference))
                .or_default()
                .push(j);
            index.by_function[a.function].push(j);
        }
        for (k, s) in assessments.iter().enumerate() {
            index
                .assessments
                .entry((s.provider, key(&s.reference)))
                .or_default()
                .push(k);
        }
        index
    }

    /// Functions whose identifier or name has this key.
    pub(super) fn functions(&self, k: &str) -> &[usize] {
        self.functions.get(k).map_or(&[], Vec::as_slice)
    }

    /// B_02.02 rows with this reference key.
    pub(super) fn arrangements(&self, k: &str) -> &[usize] {
        self.references.get(k).map_or(&[], Vec::as_slice)
    }

    /// B_02.02 rows supporting function `i`.
    pub(super) fn arrangements_of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.by_function[i].iter().copied()
    }

    /// B_07.01 rows assessing `provider` under the arrangement `reference`.
    pub(super) fn assessments(&self, provider: usize, reference: &str) -> &[usize] {
        self.assessments
            .get(&(provider, key(reference)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a key names a function (by identifier or name) or an arrangement.
    pub(super) fn knows(&self, k: &str) -> bool {
        self.functions.contains_key(k) || self.references.contains_key(k)
    }
}
