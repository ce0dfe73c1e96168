//! Graph columns as fixed time buckets: the whole history window spans the graph's width, and a
//! column's value only changes while its bucket is current, so a redraw rewrites one column
//! instead of shifting the whole graph every second.

use crate::metrics::{Sample, SeriesKey};
use crate::state::AppState;

/// The seconds each of `width` columns covers so the history window fits.
pub fn bucket_seconds(state: &AppState, width: usize) -> i64 {
    let window = state.refresh.as_secs_f64() * state.metrics.capacity() as f64;
    (window / width.max(1) as f64).ceil().max(1.0) as i64
}

/// Mean of each bucket, oldest column first, newest at the right; `None` where there was no sample.
pub fn bucketed(
    samples: impl DoubleEndedIterator<Item = f64>,
    times: &[i64],
    width: usize,
    bucket: i64,
) -> Vec<Option<f64>> {
    let mut sums = vec![(0.0, 0u32); width];
    let Some(newest) = times.last().map(|t| t.div_euclid(bucket)) else {
        return vec![None; width];
    };
    for (value, time) in samples.zip(times) {
        let age = newest - time.div_euclid(bucket);
        if (0..width as i64).contains(&age) {
            let slot = &mut sums[width - 1 - age as usize];
            slot.0 += value;
            slot.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(sum, n)| (n > 0).then(|| sum / f64::from(n)))
        .collect()
}

/// The bucketed history of one series, sized for a graph `width` columns wide.
pub fn series(state: &AppState, key: &SeriesKey, width: usize) -> Vec<Option<f64>> {
    let mut samples: Vec<Sample> = state.metrics.history(key).collect();
    // A remote host's history fetched when it was selected, before what the store recorded.
    if let Some(fetched) = state.fleet.fetched(key) {
        let first = samples.first().map(|s| s.at);
        let earlier = fetched.iter().filter(|s| first.is_none_or(|at| s.at < at));
        samples = earlier.copied().chain(samples).collect();
    }
    let times: Vec<i64> = samples.iter().map(|s| s.at.timestamp()).collect();
    bucketed(
        samples.iter().map(|s| s.value),
        &times,
        width,
        bucket_seconds(state, width),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_average_and_keep_the_newest_on_the_right() {
        let times = [100, 101, 102, 103, 104, 105];
        let values = [1.0, 3.0, 5.0, 7.0, 9.0, 11.0];
        let columns = bucketed(values.into_iter(), &times, 3, 2);
        assert_eq!(columns, [Some(2.0), Some(6.0), Some(10.0)]);
    }

    #[test]
    fn old_samples_fall_off_and_gaps_stay_empty() {
        let columns = bucketed([1.0, 2.0].into_iter(), &[0, 50], 4, 10);
        assert_eq!(columns, [None, None, None, Some(2.0)]);
        assert_eq!(bucketed(std::iter::empty(), &[], 2, 5), [None, None]);
    }

    #[test]
    fn a_column_is_stable_once_its_bucket_is_past() {
        let early = bucketed([1.0, 2.0].into_iter(), &[10, 11], 3, 2);
        let later = bucketed([1.0, 2.0, 9.0].into_iter(), &[10, 11, 12], 3, 2);
        assert_eq!(
            early[2], later[1],
            "the finished bucket moved left unchanged"
        );
    }
}
