//! The result of a run: per row, what was expected, what came back, and
//! every difference.

use core::fmt;

/// The result of [`run`](crate::run): one entry per row of the table, in
/// the table's order. Prints (`Display`) as [`Report::to_markdown`].
///
/// ```no_run
/// # async fn example() {
/// let report = sealed_session_conformance::run("http://127.0.0.1:8080").await;
/// assert!(report.all_passed(), "{report}");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    base_url: String,
    rows: Vec<RowReport>,
}

#[derive(Clone, Debug)]
struct RowReport {
    name: &'static str,
    request: String,
    expected: String,
    got: String,
    diffs: Vec<String>,
}

impl Report {
    pub(crate) fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        name: &'static str,
        request: String,
        expected: String,
        got: String,
        diffs: Vec<String>,
    ) {
        self.rows.push(RowReport {
            name,
            request,
            expected,
            got,
            diffs,
        });
    }

    /// Whether every row passed (and there were rows).
    #[must_use]
    pub fn all_passed(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(|row| row.diffs.is_empty())
    }

    /// The names of the rows that failed, in the table's order.
    #[must_use]
    pub fn failed_rows(&self) -> Vec<&'static str> {
        self.rows
            .iter()
            .filter(|row| !row.diffs.is_empty())
            .map(|row| row.name)
            .collect()
    }

    /// The report as a markdown table: row, request, expected, got, and
    /// `pass` or the differences, then a count.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = format!("Conformance of {}\n\n", self.base_url);
        out.push_str("| row | request | expected | got | result |\n|---|---|---|---|---|\n");
        for row in &self.rows {
            let result = if row.diffs.is_empty() {
                "pass".to_owned()
            } else {
                format!("**FAIL**: {}", row.diffs.join("; "))
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                row.name,
                cell(&row.request),
                cell(&row.expected),
                cell(&row.got),
                cell(&result),
            ));
        }
        let failed = self.failed_rows().len();
        out.push_str(&format!(
            "\n{} of {} rows passed{}\n",
            self.rows.len() - failed,
            self.rows.len(),
            if failed == 0 {
                "."
            } else {
                "; see the failures above."
            }
        ));
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

/// Text safe inside a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
