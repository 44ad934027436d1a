import type { Subprocess } from "bun";
import { ChangeFeed, waitForChange } from "./wait";

const WAIT_MS = 10_000;

/** A child process that reports one JSON object per stdout line; tests wait for a matching line. */
export class JsonLineProcess {
  readonly events: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  private readonly changes = new ChangeFeed();
  private readonly proc: Subprocess<"ignore", "pipe", "pipe">;

  constructor(cmd: string[], env: Record<string, string>) {
    const proc = Bun.spawn(cmd, {
      env: { ...process.env, ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.proc = proc;
    void this.read();
    void (async () => {
      for await (const chunk of proc.stderr) this.stderr.push(new TextDecoder().decode(chunk));
    })();
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of this.proc.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          this.events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.stderr.push(`(stdout) ${line}\n`);
        }
      }
      this.changes.changed();
    }
    this.changes.changed();
  }

  waitFor<K extends string>(key: K, predicate: (value: unknown) => boolean = () => true): Promise<unknown> {
    return waitForChange(
      this.changes,
      () => {
        const hit = this.events.find((e) => key in e && predicate(e[key]));
        if (hit) return { value: hit[key] };
        if (this.proc.exitCode !== null)
          throw new Error(`child exited (${this.proc.exitCode}): ${this.stderr.join("")}`);
        return undefined;
      },
      `"${key}" from the child (stderr so far: ${this.stderr.join("").slice(-500)})`,
      WAIT_MS,
    ).then((hit) => hit.value);
  }

  /** Ends the child (SIGTERM unless told: `"SIGKILL"` is a crash) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    this.proc.kill(signal);
    await this.proc.exited;
  }
}
