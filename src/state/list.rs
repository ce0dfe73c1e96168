//! One list of a tab: its sort, filter, the rows shown in order and the selection. Every tab's
//! lists use it, so moving, paging and a selection that follows its item across refreshes behave
//! the same everywhere. Rows are keys (a PID, a container); the tab finds the item by key.

/// A sort a list offers, as the list heading names it.
pub trait SortLabel {
    fn label(&self) -> &'static str;
}

/// Rows a page key moves.
pub const PAGE: isize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct ListState<S, K> {
    pub sort: S,
    pub descending: bool,
    pub filter: String,
    /// The keys of the rows shown, filtered and sorted.
    pub rows: Vec<K>,
    /// Follows its item, not its row, across refreshes.
    pub selected: Option<K>,
}

impl<S: Default, K> Default for ListState<S, K> {
    fn default() -> Self {
        Self {
            sort: S::default(),
            descending: false,
            filter: String::new(),
            rows: Vec::new(),
            selected: None,
        }
    }
}

impl<S, K: Clone + PartialEq> ListState<S, K> {
    pub fn new(sort: S, descending: bool) -> Self {
        Self {
            sort,
            descending,
            filter: String::new(),
            rows: Vec::new(),
            selected: None,
        }
    }

    /// Replaces the rows; the selection stays on its item, or moves to the first row when its
    /// item is gone.
    pub fn set_rows(&mut self, rows: Vec<K>) {
        self.rows = rows;
        if self.selected_index().is_none() {
            self.selected = self.rows.first().cloned();
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn selected_index(&self) -> Option<usize> {
        let selected = self.selected.as_ref()?;
        self.rows.iter().position(|row| row == selected)
    }

    /// Moves the selection by `delta` rows, clamped to the list; with nothing selected, moving
    /// down starts at the top and moving up at the bottom.
    pub fn apply_move(&mut self, delta: isize) {
        if let Some(index) = moved(self.selected_index(), self.rows.len(), delta) {
            self.selected = self.rows.get(index).cloned();
        }
    }

    pub fn apply_select_edge(&mut self, last: bool) {
        let row = if last {
            self.rows.last()
        } else {
            self.rows.first()
        };
        self.selected = row.cloned();
    }
}

/// The row a selection lands on after moving `delta` rows from `current`, clamped to the list.
pub fn moved(current: Option<usize>, len: usize, delta: isize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let from = current.map_or(if delta < 0 { len as isize } else { -1 }, |i| i as isize);
    Some((from + delta).clamp(0, len as isize - 1) as usize)
}

/// A sort that `o` steps through, column after column, each in the direction it reads best.
pub trait CycledSort: Copy {
    fn next(self) -> Self;
    fn natural_descending(self) -> bool;
}

/// A tab's state around its list: the keys that reverse, re-sort or filter it do the same on
/// every tab, and the state rebuilds its rows after each.
pub trait Listed {
    type Sort;
    type Key;

    fn list_mut(&mut self) -> &mut ListState<Self::Sort, Self::Key>;

    /// Filters and sorts the rows again after the list's sort or filter changed.
    fn refresh_rows(&mut self);

    fn apply_reverse(&mut self) {
        let list = self.list_mut();
        list.descending = !list.descending;
        self.refresh_rows();
    }

    fn apply_filter(&mut self, filter: String) {
        self.list_mut().filter = filter;
        self.refresh_rows();
    }

    fn apply_next_sort(&mut self)
    where
        Self::Sort: CycledSort,
    {
        let list = self.list_mut();
        list.sort = list.sort.next();
        list.descending = list.sort.natural_descending();
        self.refresh_rows();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(rows: &[u32]) -> ListState<(), u32> {
        let mut list = ListState::new((), false);
        list.set_rows(rows.to_vec());
        list
    }

    #[test]
    fn the_selection_follows_its_item_and_falls_back_to_the_first_row() {
        let mut list = list(&[1, 2, 3]);
        assert_eq!(list.selected, Some(1));
        list.apply_move(2);
        assert_eq!(list.selected, Some(3));
        list.set_rows(vec![3, 2, 1]);
        assert_eq!((list.selected, list.selected_index()), (Some(3), Some(0)));
        list.set_rows(vec![5, 6]);
        assert_eq!(list.selected, Some(5));
        list.set_rows(Vec::new());
        assert_eq!((list.selected, list.selected_index()), (None, None));
    }

    #[test]
    fn moves_and_pages_are_clamped() {
        let mut list = list(&(0..25).collect::<Vec<_>>());
        list.apply_move(-PAGE);
        assert_eq!(list.selected_index(), Some(0));
        list.apply_move(1000);
        assert_eq!(list.selected_index(), Some(24));
        list.apply_select_edge(false);
        assert_eq!(list.selected_index(), Some(0));
        list.apply_move(PAGE);
        assert_eq!(list.selected_index(), Some(10));
        assert_eq!(moved(None, 5, -1), Some(4));
        assert_eq!(moved(None, 5, 1), Some(0));
        assert_eq!(moved(Some(2), 0, 1), None);
    }
}
