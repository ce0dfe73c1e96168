//! Interned strings: every series name, label key and label value is stored once and named by a
//! [`Symbol`]. Looking a string up hashes and compares it in place, without allocating; a symbol
//! is freed when the last series using it is forgotten.

use std::hash::BuildHasher;
use std::mem::size_of;

use hashbrown::{DefaultHashBuilder, HashTable};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Symbol(pub(super) u32);

#[derive(Debug, Clone)]
struct Entry {
    text: Box<str>,
    /// Series using this symbol, once per use.
    refs: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Symbols {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    lookup: HashTable<Symbol>,
    hasher: DefaultHashBuilder,
}

impl Symbols {
    pub(super) fn get(&self, text: &str) -> Option<Symbol> {
        let hash = self.hasher.hash_one(text);
        self.lookup
            .find(hash, |symbol| self.resolve(*symbol) == text)
            .copied()
    }

    /// The symbol for `text`, counting one more use of it.
    pub(super) fn intern(&mut self, text: &str) -> Symbol {
        let symbol = match self.get(text) {
            Some(symbol) => symbol,
            None => self.insert(text),
        };
        if let Some(Some(entry)) = self.entries.get_mut(symbol.0 as usize) {
            entry.refs += 1;
        }
        symbol
    }

    fn insert(&mut self, text: &str) -> Symbol {
        let entry = Entry {
            text: text.into(),
            refs: 0,
        };
        let symbol = match self.free.pop() {
            Some(index) => {
                self.entries[index as usize] = Some(entry);
                Symbol(index)
            }
            None => {
                self.entries.push(Some(entry));
                Symbol(self.entries.len() as u32 - 1)
            }
        };
        let Self {
            entries,
            lookup,
            hasher,
            ..
        } = self;
        lookup.insert_unique(hasher.hash_one(text), symbol, |s| {
            hasher.hash_one(text_of(entries, *s))
        });
        symbol
    }

    /// One use of `symbol` is gone; the last frees it.
    pub(super) fn release(&mut self, symbol: Symbol) {
        let Some(Some(entry)) = self.entries.get_mut(symbol.0 as usize) else {
            return;
        };
        entry.refs = entry.refs.saturating_sub(1);
        if entry.refs > 0 {
            return;
        }
        let hash = self.hasher.hash_one(&*entry.text);
        if let Ok(found) = self.lookup.find_entry(hash, |s| *s == symbol) {
            found.remove();
        }
        self.entries[symbol.0 as usize] = None;
        self.free.push(symbol.0);
    }

    pub(super) fn resolve(&self, symbol: Symbol) -> &str {
        text_of(&self.entries, symbol)
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<Option<Entry>>()
            + self
                .entries
                .iter()
                .flatten()
                .map(|e| e.text.len())
                .sum::<usize>()
            + self.free.capacity() * size_of::<u32>()
            + super::memory::hash_table_bytes(&self.lookup)
    }
}

fn text_of(entries: &[Option<Entry>], symbol: Symbol) -> &str {
    match entries.get(symbol.0 as usize) {
        Some(Some(entry)) => &entry.text,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_shared_and_freed_with_their_last_use() {
        let mut symbols = Symbols::default();
        let a = symbols.intern("host");
        let b = symbols.intern("host");
        assert_eq!(a, b);
        assert_eq!(symbols.get("host"), Some(a));
        assert_eq!(symbols.resolve(a), "host");
        assert_eq!(symbols.get("other"), None);

        symbols.release(a);
        assert_eq!(symbols.get("host"), Some(a), "one use is left");
        symbols.release(a);
        assert_eq!(symbols.get("host"), None);

        let c = symbols.intern("container");
        assert_eq!(c, a, "the freed slot is reused");
        assert_eq!(symbols.resolve(c), "container");
    }
}
