"""Run kazoo's recipes against a ZooKeeper ensemble and check each keeps
its promise. Usage: kazoo_recipes.py HOSTS. Prints "ok <recipe>" per
recipe; exits non-zero at the first that fails."""

import sys
import threading
import time

from kazoo.client import KazooClient

HOSTS = sys.argv[1]
clients = []


def client():
    c = KazooClient(hosts=HOSTS, timeout=10)
    c.start(timeout=30)
    clients.append(c)
    return c


def wait_for(cond, what, timeout=20):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def run_threads(targets, timeout=60):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except Exception as e:  # reported by the main thread
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a recipe thread hung"
    if errors:
        raise errors[0]


def check_lock():
    inside, most, total = [0], [0], [0]
    guard = threading.Lock()

    def worker(name):
        c = client()
        lock = c.Lock("/recipes/lock", name)
        for _ in range(5):
            with lock:
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.005)
                with guard:
                    inside[0] -= 1
                    total[0] += 1

    run_threads([lambda n=n: worker("w%d" % n) for n in range(3)])
    assert most[0] == 1, "two holders at once"
    assert total[0] == 15, total[0]


def check_election():
    a, b = client(), client()
    led = []
    release = threading.Event()

    def lead_a():
        led.append("a")
        release.wait(20)

    ta = threading.Thread(target=a.Election("/recipes/election", "a").run, args=(lead_a,))
    ta.start()
    wait_for(lambda: led == ["a"], "a to lead")
    eb = b.Election("/recipes/election", "b")
    tb = threading.Thread(target=eb.run, args=(lambda: led.append("b"),))
    tb.start()
    wait_for(lambda: "b" in eb.contenders(), "b to contend")
    assert led == ["a"], led
    release.set()
    ta.join(20)
    tb.join(20)
    assert led == ["a", "b"], led


def check_barrier():
    a, b = client(), client()
    barrier = a.Barrier("/recipes/barrier")
    barrier.create()
    passed = threading.Event()

    def waiter():
        if b.Barrier("/recipes/barrier").wait(20):
            passed.set()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    assert not passed.is_set(), "passed a barrier still up"
    barrier.remove()
    t.join(20)
    assert passed.is_set(), "not released when the barrier went"

    # A double barrier: nobody enters before all three arrive.
    entered = []

    def member(n):
        c = client()
        db = c.DoubleBarrier("/recipes/double", 3, identifier="m%d" % n)
        db.enter()
        entered.append(n)
        db.leave()

    run_threads([lambda n=n: member(n) for n in range(3)])
    assert sorted(entered) == [0, 1, 2], entered


def check_queue():
    a, b = client(), client()
    q = a.Queue("/recipes/queue")
    for i in range(5):
        q.put(b"item-%d" % i)
    got = [b.Queue("/recipes/queue").get() for _ in range(5)]
    assert got == [b"item-%d" % i for i in range(5)], got
    lq = a.LockingQueue("/recipes/lqueue")
    lq.put(b"x")
    other = b.LockingQueue("/recipes/lqueue")
    assert other.get(10) == b"x"
    assert other.consume()
    assert len(lq) == 0


def check_counter():
    def worker():
        c = client()
        counter = c.Counter("/recipes/counter")
        for _ in range(10):
            counter += 1

    run_threads([worker for _ in range(3)])
    assert client().Counter("/recipes/counter").value == 30


def check_party():
    a, b = client(), client()
    pa, pb = a.Party("/recipes/party", "a"), b.Party("/recipes/party", "b")
    pa.join()
    pb.join()
    assert sorted(a.Party("/recipes/party")) == ["a", "b"]
    pb.leave()
    wait_for(lambda: list(a.Party("/recipes/party")) == ["a"], "b to leave")
    # A member whose session ends leaves too (its node is ephemeral).
    c = client()
    c.ShallowParty("/recipes/shallow", "c").join()
    assert len(a.ShallowParty("/recipes/shallow")) == 1
    c.stop()
    wait_for(lambda: len(a.ShallowParty("/recipes/shallow")) == 0, "c's session to end")


def main():
    for name, check in [("Lock", check_lock), ("Election", check_election),
                        ("Barrier", check_barrier), ("Queue", check_queue),
                        ("Counter", check_counter), ("Party", check_party)]:
        check()
        print("ok", name, flush=True)
    for c in clients:
        c.stop()
        c.close()


if __name__ == "__main__":
    main()
