//! The choices of a `<select>` or a radio group, each knowing whether it is
//! the one chosen, so a form sent back with an error keeps its input.

/// One choice.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Choices from (value, label) pairs; `chosen` is the value to keep
/// selected ("" for none).
pub fn opts<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, chosen: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            value: value.to_string(),
            label: label.to_string(),
            selected: value == chosen,
        })
        .collect()
}

/// Choices from every value of a closed list, by its code and label.
pub fn of<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    chosen: &str,
) -> Vec<Opt> {
    opts(all.iter().map(|&v| (code(v), label(v))), chosen)
}
