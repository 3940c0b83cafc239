/**
 * A one-node Slurm cluster on localhost for the tests: Debian's `slurm-wlm` and `munge`
 * (`apt-get install slurm-wlm munge`), started as root from a generated configuration in a
 * temporary folder (own munge key and socket, random ports, no cgroups, no accounting), so that
 * it touches nothing of the machine's own Slurm setup and several can run at once.
 *
 * {@linkcode slurmUnavailable} says why a cluster cannot start here (not Linux, not root,
 * packages missing), or null; tests skip with that reason, except under `CI=true`, where they
 * fail instead (no silent skips in CI).
 *
 * @module
 */

/** The Slurm and munge programs the cluster needs, with the package that provides each. */
const PROGRAMS: [string, string][] = [
  ["munged", "munge"],
  ["slurmctld", "slurmctld (slurm-wlm)"],
  ["slurmd", "slurmd (slurm-wlm)"],
  ["sbatch", "slurm-client (slurm-wlm)"],
  ["squeue", "slurm-client (slurm-wlm)"],
  ["scancel", "slurm-client (slurm-wlm)"],
  ["scontrol", "slurm-client (slurm-wlm)"],
  ["sinfo", "slurm-client (slurm-wlm)"],
];

const SEARCH_PATH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

function findProgram(name: string): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), ...SEARCH_PATH];
  for (const dir of dirs) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return null;
}

/** Why a Slurm test cluster cannot start on this machine, or null when it can. */
export function slurmUnavailable(): string | null {
  if (Deno.build.os !== "linux") return `Slurm test cluster needs Linux, this is ${Deno.build.os}`;
  if (Deno.uid() !== 0) {
    return `Slurm test cluster needs root (slurmd), running as uid ${Deno.uid()}`;
  }
  const missing = PROGRAMS.filter(([p]) => findProgram(p) === null);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(", ");
    return `Slurm not installed: ${missing.map(([p]) => p).join(", ")} not found ` +
      `(apt-get install -y slurm-wlm munge; packages: ${packages})`;
  }
  return null;
}

/** A running test cluster. */
export interface SlurmCluster {
  /** Environment for Slurm clients (`SLURM_CONF`); merged into every command run. */
  env: Record<string, string>;
  /** Runs a Slurm client (`sbatch`, `squeue`, ...); returns stdout, throws on failure. */
  run(program: string, args: string[]): Promise<string>;
  /** Waits until none of `jobs` is pending or running; returns each job's (tasks') states. */
  waitForJobs(jobs: readonly string[], timeoutMs?: number): Promise<Map<string, string>>;
  /** Cancels what is left, stops the daemons and removes the folder. */
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts munged, slurmctld and slurmd on localhost with a generated configuration and waits
 * until the node is idle. Throws naming the daemon and its log's tail when one fails to start.
 */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const why = slurmUnavailable();
  if (why !== null) throw new Error(why);
  const dir = await Deno.makeTempDir({ prefix: "nugrad-slurm-" });
  await Deno.chmod(dir, 0o755);
  for (const sub of ["state", "spool"]) await Deno.mkdir(`${dir}/${sub}`);
  const key = crypto.getRandomValues(new Uint8Array(1024));
  await Deno.writeFile(`${dir}/munge.key`, key, { mode: 0o600 });
  const [ctldPort, slurmdPort] = [freePort(), freePort()];
  const node = "nugradtest";
  const conf = `${dir}/slurm.conf`;
  await Deno.writeTextFile(
    conf,
    [
      "ClusterName=nugradtest",
      `SlurmctldHost=${Deno.hostname()}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${dir}/munge.socket`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      // No cgroups (containers rarely allow them): plain process tracking, no task binding.
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SchedulerType=sched/builtin",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/none",
      "JobAcctGatherType=jobacct_gather/none",
      "MpiDefault=none",
      "ReturnToService=2",
      // Four task slots whatever the machine has, so that a 3-task array starts at once.
      "SlurmdParameters=config_overrides",
      "KillWait=5",
      "MinJobAge=3600",
      `NodeName=${node} NodeHostname=${Deno.hostname()} NodeAddr=127.0.0.1 CPUs=4 ` +
      "RealMemory=4000 State=UNKNOWN",
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  const daemons: { name: string; log: string; child: Deno.ChildProcess }[] = [];
  const spawn = (name: string, args: string[], log: string) => {
    const child = new Deno.Command(findProgram(name)!, {
      args,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    daemons.push({ name, log, child });
  };
  const tail = async (path: string) =>
    (await Deno.readTextFile(path).catch(() => "(no log)")).split("\n").slice(-8).join("\n");
  const run = async (program: string, args: string[]) => {
    const out = await new Deno.Command(findProgram(program) ?? program, {
      args,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(
        `${program} ${args.join(" ")}: exit ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    return text;
  };
  const stop = async () => {
    try {
      await run("scancel", ["--user", "root"]);
    } catch { /* nothing to cancel, or the controller is down */ }
    for (const d of [...daemons].reverse()) {
      try {
        d.child.kill("SIGTERM");
      } catch { /* already gone */ }
      const done = await Promise.race([
        d.child.status.then(() => true),
        sleep(5000).then(() => false),
      ]);
      if (!done) {
        try {
          d.child.kill("SIGKILL");
        } catch { /* gone */ }
        await d.child.status;
      }
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    spawn("munged", [
      "--foreground",
      "--force",
      `--socket=${dir}/munge.socket`,
      `--key-file=${dir}/munge.key`,
      `--log-file=${dir}/munged.log`,
      `--pid-file=${dir}/munged.pid`,
      `--seed-file=${dir}/munged.seed`,
    ], `${dir}/munged.log`);
    await waitFor(
      async () => {
        await Deno.stat(`${dir}/munge.socket`);
        return true;
      },
      10_000,
      async () => `munged did not start: ${await tail(`${dir}/munged.log`)}`,
    );
    spawn("slurmctld", ["-D", "-f", conf], `${dir}/slurmctld.log`);
    spawn("slurmd", ["-D", "-f", conf, "-N", node], `${dir}/slurmd.log`);
    await waitFor(
      async () =>
        (await run("sinfo", ["-h", "-n", node, "-o", "%T"]).catch(() => "")).trim() === "idle",
      30_000,
      async () =>
        `the test node did not become idle; slurmctld: ${await tail(`${dir}/slurmctld.log`)}\n` +
        `slurmd: ${await tail(`${dir}/slurmd.log`)}`,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  const waitForJobs = async (jobs: readonly string[], timeoutMs = 120_000) => {
    await waitFor(
      async () => (await run("squeue", ["-h", "-j", jobs.join(",")]).catch(() => "")).trim() === "",
      timeoutMs,
      async () => `jobs ${jobs.join(",")} still queued: ${await run("squeue", []).catch(String)}`,
    );
    const states = new Map<string, string>();
    for (const job of jobs) {
      const text = await run("scontrol", ["show", "job", "-o", job]);
      for (const line of text.split("\n").filter(Boolean)) {
        const id = /JobId=(\d+)/.exec(line)?.[1];
        const task = /ArrayTaskId=(\S+)/.exec(line)?.[1];
        const state = /JobState=(\S+)/.exec(line)?.[1] ?? "?";
        states.set(
          task !== undefined ? `${/ArrayJobId=(\d+)/.exec(line)?.[1]}_${task}` : id!,
          state,
        );
      }
    }
    return states;
  };
  return { env, run, waitForJobs, stop };
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  why: () => Promise<string>,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${await why()}`);
}
