//! A per-thread memo of a pure function of short names (the secret-name test of JSON
//! member names): a direct-mapped table, each slot one name and its answer. A slot answers
//! only for the exact bytes it holds, so the memo can miss but never answer wrongly; a
//! name that maps to a taken slot replaces it.

use std::cell::RefCell;

/// Slots per thread (each `LONGEST + 2` bytes).
const SLOTS: usize = 256;
/// Longer names are not remembered (API field names are far shorter).
const LONGEST: usize = 40;

#[derive(Clone, Copy)]
struct Slot {
    /// 0: empty (the empty name is never remembered).
    len: u8,
    answer: bool,
    bytes: [u8; LONGEST],
}

const EMPTY: Slot = Slot {
    len: 0,
    answer: false,
    bytes: [0; LONGEST],
};

thread_local! {
    static MEMO: RefCell<Box<[Slot; SLOTS]>> = RefCell::new(Box::new([EMPTY; SLOTS]));
}

/// `judge(name)`, remembered on this thread.
pub(super) fn remembered(name: &str, judge: fn(&str) -> bool) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > LONGEST {
        return judge(name);
    }
    let slot = slot_of(bytes);
    let found = MEMO
        .try_with(|memo| {
            let memo = memo.borrow();
            let s = &memo[slot];
            (usize::from(s.len) == bytes.len() && &s.bytes[..bytes.len()] == bytes)
                .then_some(s.answer)
        })
        .ok()
        .flatten();
    if let Some(answer) = found {
        return answer;
    }
    let answer = judge(name);
    // Not remembered if the thread is ending (its memo is gone): the answer stands.
    let _ = MEMO.try_with(|memo| {
        let mut memo = memo.borrow_mut();
        let s = &mut memo[slot];
        s.len = u8::try_from(bytes.len()).expect("at most LONGEST");
        s.answer = answer;
        s.bytes[..bytes.len()].copy_from_slice(bytes);
    });
    answer
}

/// FNV-1a of the name: a few instructions a byte, and names that differ anywhere spread.
fn slot_of(bytes: &[u8]) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for b in bytes {
        hash = (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    (hash as usize) % SLOTS
}

#[cfg(test)]
mod tests {
    use super::{LONGEST, remembered};

    fn judge(name: &str) -> bool {
        name.ends_with("secret")
    }

    #[test]
    fn answers_are_the_judges_whatever_was_remembered_before() {
        // Enough names to fill every slot many times over: collisions replace slots, and
        // a name's answer never comes from another name's slot.
        for round in 0..3 {
            for i in 0..5_000 {
                let name = if i % 2 == 0 {
                    format!("field_{i}_secret")
                } else {
                    format!("field_{i}")
                };
                assert_eq!(remembered(&name, judge), judge(&name), "{round} {name}");
            }
        }
        let long = "x".repeat(LONGEST + 1) + "secret";
        assert!(remembered(&long, judge));
        assert!(!remembered("", judge));
        // A prefix of a remembered name is a name of its own.
        assert!(remembered("client_secret", judge));
        assert!(!remembered("client_secre", judge));
    }
}
