//! The proto's comments (kept by `include_source_info` in `build.rs`), looked up by a
//! descriptor's file and path: the OpenAPI document's summaries and descriptions.

use std::collections::HashMap;

use prost_reflect::DescriptorPool;

/// Leading comment of an element, else its trailing comment (`string id = 1; // cus_...`).
#[derive(Default)]
pub struct Comments(HashMap<(String, Vec<i32>), String>);

impl Comments {
    pub fn of(pool: &DescriptorPool) -> Self {
        let mut map = HashMap::new();
        for file in pool.files() {
            let Some(info) = &file.file_descriptor_proto().source_code_info else {
                continue;
            };
            for location in &info.location {
                let text = location
                    .leading_comments
                    .as_deref()
                    .filter(|c| !c.trim().is_empty())
                    .or(location.trailing_comments.as_deref())
                    .map(tidy)
                    .filter(|c| !c.is_empty());
                if let Some(text) = text {
                    map.insert((file.name().to_owned(), location.path.clone()), text);
                }
            }
        }
        Self(map)
    }

    pub fn get(&self, file: &str, path: &[i32]) -> Option<&str> {
        self.0
            .get(&(file.to_owned(), path.to_vec()))
            .map(String::as_str)
    }
}

/// Joins a comment's lines, keeping blank lines as paragraph breaks.
fn tidy(comment: &str) -> String {
    let lines: Vec<&str> = comment.lines().map(str::trim).collect();
    let mut out = String::new();
    for line in lines {
        if line.is_empty() {
            if !out.ends_with("\n\n") && !out.is_empty() {
                out.push_str("\n\n");
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_tidied() {
        assert_eq!(tidy(" One\n two.\n\n Three.\n"), "One two.\n\nThree.");
    }
}
