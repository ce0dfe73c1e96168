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
    /// Follows its item, not its row, across refreshes (see [`ListState::set_rows`]).
    pub selected: Option<K>,
    /// Whether the operator chose the selection: until then it is the first row, whatever
    /// comes first as the rows arrive.
    pub chosen: bool,
    /// The first row in view. Kept here, as ratatui's `TableState` keeps it, so that moving
    /// inside the rows in view scrolls nothing; it moves only as far as the selection needs.
    pub offset: usize,
    /// How many rows the last frame showed (0 before the first): the reducer keeps the
    /// selection in view with it, the view with the height it actually has.
    pub rows_in_view: usize,
}

/// Where a list's table is scrolled and what it has selected, as a view draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub selected: Option<usize>,
    pub offset: usize,
    pub len: usize,
}

impl Window {
    /// The first row to draw in `page` rows: the kept offset, moved only as far as the
    /// selection needs when the page differs from the last frame's, and no further down than
    /// fills the page.
    pub fn offset_in(self, page: usize) -> usize {
        let page = page.max(1);
        let offset = self.offset.min(self.len.saturating_sub(page));
        self.selected.map_or(offset, |at| {
            offset.min(at).max((at + 1).saturating_sub(page))
        })
    }
}

impl<S: Default, K> Default for ListState<S, K> {
    fn default() -> Self {
        Self {
            sort: S::default(),
            descending: false,
            filter: String::new(),
            rows: Vec::new(),
            selected: None,
            chosen: false,
            offset: 0,
            rows_in_view: 0,
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
            chosen: false,
            offset: 0,
            rows_in_view: 0,
        }
    }

    /// Replaces the rows. A chosen selection stays on its item, so the next key acts on the
    /// item the operator looked at; when the item is gone (silenced, ended, filtered out) it
    /// goes to the row that took its place, or the one above when it was the last. A selection
    /// nobody chose stays on the first row.
    pub fn set_rows(&mut self, rows: Vec<K>) {
        let was_at = self.selected_index();
        self.rows = rows;
        if !self.chosen {
            self.selected = self.rows.first().cloned();
        } else if self.selected_index().is_none() {
            let at = was_at.unwrap_or(0).min(self.rows.len().saturating_sub(1));
            self.selected = self.rows.get(at).cloned();
        }
        self.keep_in_view();
    }

    /// Selects an item by its key, as the operator's choice.
    pub fn apply_select(&mut self, key: K) {
        self.selected = Some(key);
        self.chosen = true;
        self.keep_in_view();
    }

    /// How many rows the frame just drawn showed.
    pub fn apply_rows_in_view(&mut self, rows: usize) {
        self.rows_in_view = rows;
        self.keep_in_view();
    }

    /// Scrolls only as far as it takes to show the selection; before any frame said how many
    /// rows show, only up (the view keeps it in view below).
    fn keep_in_view(&mut self) {
        let Some(at) = self.selected_index() else {
            self.offset = 0;
            return;
        };
        self.offset = self.offset.min(at);
        if self.rows_in_view > 0 {
            self.offset = self.offset.max((at + 1).saturating_sub(self.rows_in_view));
        }
    }

    pub fn window(&self) -> Window {
        Window {
            selected: self.selected_index(),
            offset: self.offset,
            len: self.rows.len(),
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
            self.chosen = true;
        }
        self.keep_in_view();
    }

    pub fn apply_select_edge(&mut self, last: bool) {
        let row = if last {
            self.rows.last()
        } else {
            self.rows.first()
        };
        self.selected = row.cloned();
        self.chosen = true;
        self.keep_in_view();
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
    fn a_chosen_selection_follows_its_item_and_falls_back_to_its_neighbour() {
        let mut list = list(&[1, 2, 3, 4]);
        assert_eq!(list.selected, Some(1));
        list.apply_move(2);
        assert_eq!(list.selected, Some(3));
        list.set_rows(vec![3, 2, 1, 4]);
        assert_eq!((list.selected, list.selected_index()), (Some(3), Some(0)));
        list.apply_move(1);
        list.set_rows(vec![3, 1, 4]);
        assert_eq!(
            list.selected,
            Some(1),
            "2 went: the row that took its place"
        );
        list.apply_select_edge(true);
        list.set_rows(vec![3, 1]);
        assert_eq!(list.selected, Some(1), "4 was last: the row above it");
        list.set_rows(vec![5, 6]);
        assert_eq!(list.selected, Some(6));
        list.set_rows(Vec::new());
        assert_eq!((list.selected, list.selected_index()), (None, None));
        list.set_rows(vec![7, 8]);
        assert_eq!(list.selected, Some(7));
    }

    #[test]
    fn a_selection_nobody_chose_stays_on_the_first_row() {
        let mut list = list(&[2]);
        list.set_rows(vec![1, 2]);
        assert_eq!(
            list.selected,
            Some(1),
            "the row that came first as rows arrived"
        );
        list.apply_move(1);
        list.set_rows(vec![0, 1, 2]);
        assert_eq!(list.selected, Some(2));
    }

    #[test]
    fn moving_inside_the_rows_in_view_scrolls_nothing() {
        let mut list = list(&(0..30).collect::<Vec<_>>());
        list.apply_rows_in_view(10);
        list.apply_move(15);
        assert_eq!(
            (list.selected, list.offset),
            (Some(15), 6),
            "scrolled to show it"
        );
        list.apply_move(-5);
        assert_eq!(
            (list.selected, list.offset),
            (Some(10), 6),
            "still in view: no scroll"
        );
        list.apply_move(-5);
        assert_eq!((list.selected, list.offset), (Some(5), 5));
        assert_eq!(list.window().offset_in(10), 5);
        assert_eq!(
            list.window().offset_in(3),
            5,
            "a shorter frame keeps it in view"
        );
        list.set_rows((0..8).collect());
        assert_eq!(
            list.window().offset_in(10),
            0,
            "a short list fills the page"
        );
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
