"""Unit tests of the benchmark's own arithmetic and parsing: what its tables print is only as right
as these. The measuring itself (emulator, cgroups, callgrind) runs in `scripts/bench.sh`."""

import contextlib
import http.client
import io
import tempfile
import unittest
from pathlib import Path

from bench import (api_events, callgrind, cgroups, emulator, lambda_sizes, receiver, report,
                   settings)

MOUNTS = """\
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,nosuid,nodev,noexec,relatime,cpu 0 0
"""


class Arithmetic(unittest.TestCase):
    def test_a_percentile_is_an_observed_value(self):
        values = [5, 1, 4, 2, 3]
        self.assertEqual(report.pct(values, 0.5), 3)
        self.assertEqual(report.pct(values, 0.0), 1)
        self.assertEqual(report.pct(values, 1.0), 5)
        self.assertEqual(report.pct(list(range(1, 101)), 0.99), 99)

    def test_an_answer_is_as_expected_by_its_status_or_its_factorys_own_check(self):
        def get():
            return {}
        self.assertTrue(api_events.answered_as_expected(get, {"statusCode": 200}))
        self.assertTrue(api_events.answered_as_expected(get, {"statusCode": 402}))
        self.assertFalse(api_events.answered_as_expected(get, {"statusCode": 500}))
        only_404 = api_events.expecting((404,), lambda: {})
        self.assertTrue(api_events.answered_as_expected(only_404, {"statusCode": 404}))
        self.assertFalse(api_events.answered_as_expected(only_404, {"statusCode": 200}))
        batch = api_events.stream_batch(lambda: {})
        self.assertTrue(api_events.answered_as_expected(batch, {"batchItemFailures": []}))
        self.assertFalse(api_events.answered_as_expected(
            batch, {"batchItemFailures": [{"itemIdentifier": "1"}]}))
        self.assertFalse(api_events.answered_as_expected(batch, {"errorType": "Panic"}))

    def test_a_subjects_extra_environment_is_added_over_the_tables(self):
        env = {"TABLE": "t", "A": "1"}
        self.assertEqual(emulator.with_extra(env, []), env)
        self.assertEqual(emulator.with_extra(env, [{"A": "2", "B": "3"}]),
                         {"TABLE": "t", "A": "2", "B": "3"})
        self.assertEqual(env, {"TABLE": "t", "A": "1"}, "the table's environment was changed")

    def test_own_share_is_the_get_less_floor_and_getitem(self):
        line = callgrind.own_share(535_401, 460_598)
        self.assertIn("74,803 instructions", line)
        self.assertIn("14.0 % of the get", line)
        self.assertIn("n/a", callgrind.own_share(None, 460_598))
        self.assertIn("n/a", callgrind.own_share(535_401, None))

    def test_callgrinds_total_is_read_from_its_dump(self):
        with tempfile.TemporaryDirectory() as directory:
            dump = Path(directory) / "callgrind.out.1"
            self.assertIsNone(callgrind.dumped_total(dump))
            dump.write_text("version: 1\nevents: Ir\nfn=main\n0 12\ntotals: 26760267\n")
            self.assertEqual(callgrind.dumped_total(dump), 26_760_267)
            dump.write_text("version: 1\nevents: Ir\n")
            self.assertIsNone(callgrind.dumped_total(dump))

    def test_figures_above_the_floor_carry_their_difference(self):
        self.assertEqual(lambda_sizes.above(21.04, 21.04, "floor", 1), "21.0")
        self.assertEqual(lambda_sizes.above(63.25, 21.0, "get", 1), "63.2 (+42.2)")
        self.assertEqual(lambda_sizes.above(1490, 1500, "get", 0), "1490 (-10)")


class Parts(unittest.TestCase):
    def test_bench_only_names_parts_by_commas_and_refuses_others(self):
        self.assertEqual(settings.parts(""), set())
        self.assertEqual(settings.parts("endpoints, events"), {"endpoints", "events"})
        with self.assertRaises(SystemExit) as refused:
            settings.parts("events,lamda")
        self.assertIn("not lamda", str(refused.exception))


class Receiving(unittest.TestCase):
    def setUp(self):
        self.receiver = receiver.Receiver()
        self.addCleanup(self.receiver.stop)

    def post(self, body):
        connection = http.client.HTTPConnection("127.0.0.1", self.receiver.server.server_port,
                                                timeout=10)
        try:
            connection.request("POST", "/hook", body, {"content-type": "application/json"})
            self.assertEqual(connection.getresponse().status, 204)
        finally:
            connection.close()

    def test_every_delivery_is_counted_and_each_objects_first_arrival_kept(self):
        self.post(b'{"type": "customer.created", "data": {"id": "cus_1"}}')
        first = self.receiver.arrived(["cus_1"])["cus_1"]
        self.post(b'{"type": "customer.created", "data": {"id": "cus_1"}}')
        self.post(b"not json")
        self.post(b'{"data": ["not", "an", "object"]}')
        self.assertEqual(self.receiver.received, 4)
        self.assertEqual(self.receiver.arrived(["cus_1", "cus_2"]), {"cus_1": first})


class FailedStarts(unittest.TestCase):
    def test_the_last_lines_of_stderr_are_said_on_one_line(self):
        output = b"one\n\ntwo\n  three  \nfour\nfive\nsix\n"
        self.assertEqual(emulator.last_lines(output), "two | three | four | five | six")
        self.assertEqual(emulator.last_lines(b"bad \xff byte\n", count=1), "bad \ufffd byte")
        self.assertEqual(emulator.last_lines(b"\n \n"), "none")


class CpuShares(unittest.TestCase):
    def test_below_one_vcpu_a_1_ms_quota_per_period_of_the_share(self):
        self.assertEqual(cgroups.CpuShare.limits(128), (1000, 13820))
        self.assertEqual(cgroups.CpuShare.limits(512), (1000, 3455))

    def test_one_vcpu_and_more_keep_the_default_period_whole(self):
        self.assertEqual(cgroups.CpuShare.limits(1769), (100_000, 100_000))
        self.assertEqual(cgroups.CpuShare.limits(3008), (100_000, 100_000))


class Favordynmods(unittest.TestCase):
    def test_the_cgroup2_mount_is_found_and_its_generic_options_kept(self):
        migrations = cgroups.FastMigrations(MOUNTS)
        self.assertEqual(migrations.target, "/sys/fs/cgroup/unified")
        flags = migrations.FLAGS
        self.assertEqual(migrations.mount_flags(),
                         migrations.MS_REMOUNT | flags["nosuid"] | flags["nodev"]
                         | flags["noexec"] | flags["relatime"])
        self.assertEqual(migrations.own_options(["favordynmods"]),
                         ["nsdelegate", "favordynmods"])
        self.assertEqual(migrations.own_options(), ["nsdelegate"])

    def test_status_says_what_was_done(self):
        self.assertIn("no cgroup-v2 mount", cgroups.FastMigrations("").status())
        migrations = cgroups.FastMigrations(MOUNTS)
        self.assertIn("could not be set", migrations.status())
        migrations.changed = True
        self.assertIn("set for the run", migrations.status())
        already = cgroups.FastMigrations(MOUNTS.replace("nsdelegate", "nsdelegate,favordynmods"))
        self.assertIn("already set", already.status())

    def test_a_failed_restore_does_not_hide_the_runs_own_failure(self):
        class Unmountable(cgroups.FastMigrations):
            def _remount(self, fs_options):
                raise OSError(1, "not permitted")

        migrations = Unmountable(MOUNTS)
        said = io.StringIO()
        with contextlib.redirect_stderr(said):
            with self.assertRaises(ValueError):
                with migrations:
                    migrations.changed = True
                    raise ValueError("the run failed")
        self.assertIn("could not be cleared", said.getvalue())
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(OSError, msg="a failed restore after a good run was hidden"):
                with migrations:
                    migrations.changed = True


if __name__ == "__main__":
    unittest.main()
