//! The per-request revocation check (`MemoryRevocations::check`, which the
//! Redis backend's mirror answers from) with 0, 10k and 100k revoked
//! sessions, a miss and a hit; and the memory each entry takes, measured by
//! counting the allocator's bytes around the inserts.

#![allow(missing_docs, clippy::unwrap_used)]

use core::hint::black_box;
use std::alloc::System;

use criterion::{Criterion, criterion_group, criterion_main};
use sealed_session::revocation::{SessionFacts, SubjectEntry};
use sealed_session::{MemoryRevocations, Revocations, SessionId};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

/// Counts the bytes in use, to measure memory per entry.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const NOW: u64 = 1_796_659_200;

fn id(i: u64) -> SessionId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&i.to_le_bytes());
    // Spread like random ids.
    bytes[8..].copy_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    SessionId::from_bytes(bytes)
}

fn filled(sessions: u64) -> MemoryRevocations {
    let list = MemoryRevocations::new();
    for i in 0..sessions {
        list.insert_session(&id(i), NOW + 86_400, NOW);
    }
    // Some subjects too, as a real list has.
    for i in 0..sessions / 10 {
        list.insert_subject(
            &format!("user-{i}"),
            SubjectEntry {
                before: NOW,
                expires_at: NOW + 86_400,
            },
            NOW,
        );
    }
    list
}

/// Bytes allocated and not freed since the region began.
fn in_use(region: &Region<'_, System>) -> usize {
    let change = region.change();
    change.bytes_allocated - change.bytes_deallocated
}

fn memory_per_entry() {
    for n in [10_000u64, 100_000] {
        let region = Region::new(GLOBAL);
        let list = MemoryRevocations::new();
        for i in 0..n {
            list.insert_session(&id(i), NOW + 86_400, NOW);
        }
        let used = in_use(&region);
        println!(
            "memory: {n} revoked sessions take {used} bytes, {:.1} bytes per entry",
            used as f64 / n as f64
        );
        let region = Region::new(GLOBAL);
        let subjects = MemoryRevocations::new();
        for i in 0..n {
            subjects.insert_subject(
                &format!("user-{i:08}"),
                SubjectEntry {
                    before: NOW,
                    expires_at: NOW + 86_400,
                },
                NOW,
            );
        }
        let used = in_use(&region);
        println!(
            "memory: {n} revoked subjects (13-byte names) take {used} bytes, {:.1} bytes per entry",
            used as f64 / n as f64
        );
        drop((list, subjects));
    }
}

fn check(c: &mut Criterion) {
    memory_per_entry();
    let mut group = c.benchmark_group("revocation check");
    for n in [0u64, 10_000, 100_000] {
        let list = filled(n);
        let miss = id(u64::MAX);
        let hit = id(n / 2);
        group.bench_function(format!("{n} entries, not revoked, with subject"), |b| {
            b.iter(|| {
                list.check(
                    black_box(SessionFacts {
                        id: Some(&miss),
                        subject: Some("user-someone-else"),
                        created_at: NOW - 10,
                    }),
                    NOW,
                )
            });
        });
        if n > 0 {
            group.bench_function(format!("{n} entries, revoked"), |b| {
                b.iter(|| {
                    list.check(
                        black_box(SessionFacts {
                            id: Some(&hit),
                            subject: None,
                            created_at: NOW - 10,
                        }),
                        NOW,
                    )
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
