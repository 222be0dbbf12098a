//! How hard a text is to read, as a US school grade (Flesch–Kincaid).
//! Patient-facing text aims at grade 6 to 8; this lets a test hold every
//! leaflet and the plan summary to that.
//!
//! Flesch–Kincaid grade = 0.39 × (words ÷ sentences) + 11.8 × (syllables ÷
//! words) − 15.59 (Kincaid JP et al., 1975, Naval Technical Training
//! Command report 8-75). Syllables are counted by vowel groups, the usual
//! approximation; it is close enough to tell grade 7 from grade 12.

/// The grade level of `text`, or `None` when it has no words. Each line is
/// treated as ending a sentence, so headings and list items count as the
/// short units a reader sees.
pub fn grade_level(text: &str) -> Option<f64> {
    let mut words = 0usize;
    let mut syllables = 0usize;
    let mut sentences = 0usize;
    for line in text.lines() {
        let mut in_sentence = false;
        for token in line.split_whitespace() {
            let word: String = token
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect();
            if !word.is_empty() {
                words += 1;
                syllables += syllables_in(&word);
                in_sentence = true;
            }
            if in_sentence && token.ends_with(['.', '!', '?']) {
                sentences += 1;
                in_sentence = false;
            }
        }
        if in_sentence {
            sentences += 1;
        }
    }
    if words == 0 {
        return None;
    }
    let w = words as f64;
    Some(0.39 * (w / sentences.max(1) as f64) + 11.8 * (syllables as f64 / w) - 15.59)
}

fn syllables_in(word: &str) -> usize {
    let lower = word.to_lowercase();
    if lower.chars().all(|c| c.is_ascii_digit()) {
        return 1;
    }
    let chars: Vec<char> = lower.chars().collect();
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0usize;
    let mut prev = false;
    for &c in &chars {
        let v = vowel(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    // A final silent "e" ("make", "take") is not a syllable, but "-le"
    // after a consonant ("table") is.
    if count > 1 && lower.ends_with('e') && !lower.ends_with("le") && !lower.ends_with("ee") {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_syllables_the_way_a_reader_hears_them() {
        for (w, n) in [
            ("cat", 1),
            ("make", 1),
            ("table", 2),
            ("water", 2),
            ("medicine", 3),
            ("depression", 3),
            ("2026", 1),
        ] {
            assert_eq!(syllables_in(w), n, "{w}");
        }
    }

    #[test]
    fn simple_text_reads_easier_than_dense_text() {
        let simple = grade_level("Take it every day. Do not stop it all at once. Call us.")
            .unwrap_or(f64::MAX);
        let dense = grade_level(
            "Discontinuation of selective serotonin reuptake inhibitors necessitates \
             individualized pharmacological consideration of pharmacokinetic characteristics.",
        )
        .unwrap_or(f64::MIN);
        assert!(simple < 4.0, "{simple}");
        assert!(dense > 16.0, "{dense}");
        assert_eq!(grade_level("   \n"), None);
    }
}
