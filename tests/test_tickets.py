"""The technicians' queue: first come first served, critical first, closed tickets skipped,
work carried over from day to day, one technician's day per ticket per day."""

from __future__ import annotations

import tracemalloc

import numpy as np

from sim.tickets import TicketQueue, critical_counts, lacks_critical


def make(minutes: list[float], reps: list[int] | None = None) -> TicketQueue:
    reps = reps or [0] * len(minutes)
    return TicketQueue(np.array(reps, dtype=np.int64), np.array(minutes, dtype=float), max(reps) + 1)


def test_first_come_first_served_and_the_rest_of_the_day_starts_the_next_ticket() -> None:
    q = make([30] * 10)
    q.add(np.array([4, 2, 7, 1]), np.zeros(4, dtype=bool))
    served, used = q.serve(65)  # two 30-minute tickets, then 5 minutes on the third
    assert served.tolist() == [4, 2]
    assert used.tolist() == [65]
    assert q.remaining[7] == 25
    assert q.count.tolist() == [2]
    served, used = q.serve(1000)
    assert served.tolist() == [7, 1]
    assert used.tolist() == [55]  # 25 left on device 7, 30 on device 1
    assert q.count.tolist() == [0]


def test_a_job_longer_than_a_day_is_worked_on_over_several_days() -> None:
    """One technician, 6 hours a day, 480-minute jobs: 360 minutes on day 1, the last 120
    on day 2 and the rest of day 2 on the next job, which is finished on day 3."""
    q = make([480, 480])
    q.add(np.array([0, 1]), np.zeros(2, dtype=bool))
    served, used = q.serve(360, shift=360)
    assert (served.tolist(), used.tolist(), q.remaining.tolist()) == ([], [360], [120, 480])
    served, used = q.serve(360, shift=360)
    assert (served.tolist(), used.tolist(), q.remaining.tolist()) == ([0], [360], [0, 240])
    served, used = q.serve(360, shift=360)
    assert (served.tolist(), used.tolist(), q.count.tolist()) == ([1], [240], [0])


def test_a_ticket_gets_at_most_one_technicians_day() -> None:
    """Two technicians x 6 h: a 480-minute job takes one person's 360 minutes; the other
    person works on the next job, and nobody can work twice on the same job."""
    q = make([480, 480, 30])
    q.add(np.array([0, 1]), np.zeros(2, dtype=bool))
    served, used = q.serve(720, shift=360)
    assert (served.tolist(), used.tolist(), q.remaining[:2].tolist()) == ([], [720], [120, 120])
    served, used = q.serve(720, shift=360)
    assert (served.tolist(), used.tolist()) == ([0, 1], [240])  # only 240 minutes of work left
    q.add(np.array([2]), np.zeros(1, dtype=bool))
    q.add(np.array([0]), np.zeros(1, dtype=bool))
    served, used = q.serve(720, shift=360)
    assert (served.tolist(), used.tolist(), q.remaining[0]) == ([2], [390], 120)


def test_throughput_of_long_jobs_is_the_budget_over_the_job() -> None:
    """3 technicians x 6 h on 480-minute jobs: 1080 / 480 = 2.25 jobs a day on average."""
    q = make([480] * 100)
    q.add(np.arange(100), np.zeros(100, dtype=bool))
    done = [q.serve(1080, shift=360)[0].size for _ in range(40)]
    # 40 x 1080 minutes = 90 jobs of work, none lost: 89 finished, and two in progress
    # (120 and 360 minutes done) make up the 90th
    assert sum(done) == 89
    assert q.remaining[89:92].tolist() == [120, 360, 480]
    assert (480 - q.remaining[q.open]).sum() == 40 * 1080 - 89 * 480


def test_critical_tickets_go_first_and_an_open_ticket_moves_up() -> None:
    q = make([30] * 6)
    q.add(np.array([0, 1, 2]), np.zeros(3, dtype=bool))
    q.add(np.array([3, 2]), np.array([True, True]))  # 2 was waiting: it moves up
    served, _ = q.serve(90)
    assert served.tolist() == [3, 2, 0]
    assert q.count.tolist() == [1]


def test_a_ticket_moving_up_keeps_the_work_done_on_it() -> None:
    q = make([100, 100])
    q.add(np.array([0, 1]), np.zeros(2, dtype=bool))
    q.serve(60)
    q.add(np.array([1, 0]), np.array([True, False]))  # 1 moves up; 0 keeps its place and work
    assert q.remaining.tolist() == [40, 100]
    served, used = q.serve(120)
    assert (served.tolist(), used.tolist(), q.remaining[0]) == ([1], [120], 20)


def test_closed_tickets_are_skipped_and_cost_nothing() -> None:
    q = make([30] * 5)
    q.add(np.arange(5), np.zeros(5, dtype=bool))
    q.close(np.array([0, 1, 3]))
    served, used = q.serve(1000)
    assert served.tolist() == [2, 4]
    assert used.tolist() == [60]


def test_a_closed_and_reopened_ticket_starts_from_the_whole_job() -> None:
    q = make([100])
    q.add(np.array([0]), np.zeros(1, dtype=bool))
    q.serve(70)
    q.close(np.array([0]))
    q.add(np.array([0]), np.zeros(1, dtype=bool))
    assert q.remaining[0] == 100


def test_replications_have_their_own_budget_and_queue() -> None:
    reps = [0, 0, 0, 1, 1, 1]
    q = make([20] * 6, reps)
    q.add(np.array([3, 0, 4, 1, 5, 2]), np.zeros(6, dtype=bool))
    served, used = q.serve(40)
    assert sorted(served.tolist()) == [0, 1, 3, 4]
    assert used.tolist() == [40, 40]


def test_many_tickets_keep_their_order_through_growth_and_compaction() -> None:
    n = 5000
    q = make([1.0] * n)
    order = np.random.default_rng(1).permutation(n)
    seen: list[int] = []
    for chunk in np.array_split(order, 50):
        q.add(chunk, np.zeros(chunk.size, dtype=bool))
        served, _ = q.serve(37)
        seen += served.tolist()
    while q.count[0]:
        seen += q.serve(500)[0].tolist()
    assert seen == order.tolist()


def test_compaction_drops_dead_entries() -> None:
    """Tickets opened and closed again and again (the automation got there first) leave
    the log no larger than the open tickets need."""
    q = make([30] * 1000)
    for i in range(200):
        batch = np.arange(1000)
        q.add(batch, np.zeros(1000, dtype=bool))
        q.close(batch[(batch + i) % 10 != 0])  # 100 stay open each round
    assert q.count.tolist() == [100]
    log = q.logs[1]
    assert q._next > 150_000  # tickets opened in all
    assert log.dev.shape[1] <= 2 * (100 + 1000)  # twice the open tickets and one round's adds
    served, _ = q.serve(30 * 1000)
    assert sorted(served.tolist()) == list(range(1, 1000, 10))


def test_a_huge_budget_reads_no_more_than_the_queue() -> None:
    """10,000 technicians x 24 h on 1-minute jobs: the day's window is the queue, not the
    14.4 million minutes over the shortest job."""
    q = make([1.0] * 300)
    q.add(np.arange(300), np.zeros(300, dtype=bool))
    tracemalloc.start()
    served, used = q.serve(10_000 * 24 * 60.0, shift=24 * 60.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert served.size == 300
    assert used.tolist() == [300]
    assert peak < 100_000  # bytes; a window of 28.8 million entries would take gigabytes


def test_a_device_requested_twice_in_one_batch_gets_one_ticket() -> None:
    q = make([30] * 4)
    q.add(np.array([2, 1, 2, 3]), np.array([False, False, True, False]))
    assert q.count.tolist() == [3]
    served, _ = q.serve(1000)
    assert served.tolist() == [2, 1, 3]  # 2 went to the critical log


def test_urgency_follows_the_worst_release_a_visit_would_install() -> None:
    """Releases 0..4 with severities low, critical, medium, high, low (−1: no release)."""
    sev = np.array([[3, 0, 2, 1, 3, -1]])
    counts = critical_counts(sev, critical=0)
    row = np.zeros(5, dtype=np.int64)
    installed = np.array([0, 1, 0, -1, 2])
    target = np.array([2, 4, 1, 0, 4])
    # device 0 lacks 1 (critical) and 2: urgent although the newest it needs is medium
    assert lacks_critical(counts, row, installed, target).tolist() == [True, False, True, False, False]
