import { EventEmitter } from "node:events";

/**
 * Resolves with the first truthy value of `check`, re-evaluated whenever `changes` emits "change".
 * No polling and no sleeps: the bound only turns a hang into a readable failure.
 */
export function waitForChange<T>(
  changes: EventEmitter,
  check: () => T | undefined | null | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const first = check();
  if (first) return Promise.resolve(first);
  return new Promise<T>((resolve, reject) => {
    const onChange = () => {
      let value: T | undefined | null | false;
      try {
        value = check();
      } catch (err) {
        done();
        reject(err);
        return;
      }
      if (value) {
        done();
        resolve(value);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      changes.off("change", onChange);
    };
    changes.on("change", onChange);
  });
}

export class ChangeFeed extends EventEmitter {
  changed(): void {
    this.emit("change");
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
