//! Finding series by identity and by name. A series is known by its name and its set of labels,
//! hashed from their symbols in an order-independent way, so a lookup with labels in any order
//! hashes the same without sorting or allocating; candidates with the hash are then compared.

use std::collections::HashMap;
use std::mem::size_of;

use hashbrown::HashTable;

use super::SeriesId;
use super::symbols::Symbol;

#[derive(Debug, Clone, Default)]
pub(super) struct SeriesIndex {
    by_identity: HashTable<(u64, SeriesId)>,
    /// Every series of a name, oldest first.
    by_name: HashMap<Symbol, Vec<SeriesId>>,
}

/// The hash of a name and a set of labels: labels are summed, so their order does not count.
pub(super) fn identity_hash(name: Symbol, labels: impl Iterator<Item = (Symbol, Symbol)>) -> u64 {
    let (count, sum) = labels.fold((0, 0), |(count, sum), pair| add_label(count, sum, pair));
    finish_hash(name, count, sum)
}

/// Folds one label into the running count and sum of [`identity_hash`].
pub(super) fn add_label(count: u64, sum: u64, (key, value): (Symbol, Symbol)) -> (u64, u64) {
    (
        count + 1,
        sum.wrapping_add(mix((u64::from(key.0) << 32) | u64::from(value.0))),
    )
}

pub(super) fn finish_hash(name: Symbol, count: u64, sum: u64) -> u64 {
    mix(sum ^ mix(u64::from(name.0) | (count << 32)))
}

/// The SplitMix64 finaliser: spreads the small, dense symbol numbers over the whole hash.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl SeriesIndex {
    /// The series with `hash` for which `is_it` holds.
    pub(super) fn find(
        &self,
        hash: u64,
        mut is_it: impl FnMut(SeriesId) -> bool,
    ) -> Option<SeriesId> {
        self.by_identity
            .find(hash, |&(h, id)| h == hash && is_it(id))
            .map(|&(_, id)| id)
    }

    pub(super) fn insert(&mut self, hash: u64, name: Symbol, id: SeriesId) {
        self.by_identity
            .insert_unique(hash, (hash, id), |&(h, _)| h);
        self.by_name.entry(name).or_default().push(id);
    }

    pub(super) fn remove(&mut self, hash: u64, name: Symbol, id: SeriesId) {
        if let Ok(entry) = self.by_identity.find_entry(hash, |&(_, i)| i == id) {
            entry.remove();
        }
        if let Some(ids) = self.by_name.get_mut(&name) {
            ids.retain(|&i| i != id);
            if ids.is_empty() {
                self.by_name.remove(&name);
            }
        }
    }

    pub(super) fn named(&self, name: Symbol) -> &[SeriesId] {
        self.by_name.get(&name).map_or(&[], Vec::as_slice)
    }

    pub(super) fn memory_bytes(&self) -> usize {
        super::memory::hash_table_bytes(&self.by_identity)
            + super::memory::hash_map_bytes(&self.by_name)
            + self
                .by_name
                .values()
                .map(|ids| ids.capacity() * size_of::<SeriesId>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_order_does_not_change_the_hash_but_every_symbol_does() {
        let (name, a, b, c) = (Symbol(0), Symbol(1), Symbol(2), Symbol(3));
        let hash = identity_hash(name, [(a, b), (c, b)].into_iter());
        assert_eq!(hash, identity_hash(name, [(c, b), (a, b)].into_iter()));
        assert_ne!(hash, identity_hash(name, [(a, b)].into_iter()));
        assert_ne!(hash, identity_hash(name, [(b, a), (c, b)].into_iter()));
        assert_ne!(hash, identity_hash(a, [(a, b), (c, b)].into_iter()));
        assert_ne!(
            identity_hash(name, std::iter::empty()),
            identity_hash(a, std::iter::empty())
        );
    }
}
