/** Reads Server-Sent Events frames from a streaming response body, for tests. */
export type SseFrame = { id?: string; event?: string; data?: string; comment?: string; retry?: number };

export function sseReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const queue: SseFrame[] = [];

  const parse = (block: string): SseFrame => {
    const frame: SseFrame = {};
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) frame.comment = line.slice(1).trim();
      const m = /^(\w+): ?(.*)$/.exec(line);
      if (!m) continue;
      const [, key, value = ""] = m;
      if (key === "data") data.push(value);
      else if (key === "id") frame.id = value;
      else if (key === "event") frame.event = value;
      else if (key === "retry") frame.retry = Number(value);
    }
    if (data.length > 0) frame.data = data.join("\n");
    return frame;
  };

  return {
    /** The next frame, waiting for it; fails when the stream ends first. */
    async next(): Promise<SseFrame> {
      for (;;) {
        const queued = queue.shift();
        if (queued) return queued;
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffered += decoder.decode(value, { stream: true });
        let end = buffered.indexOf("\n\n");
        while (end !== -1) {
          queue.push(parse(buffered.slice(0, end)));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf("\n\n");
        }
      }
    },
    /** The next frame that carries an event (skips comments and the retry hint). */
    async nextEvent(): Promise<SseFrame & { event: string; data: string }> {
      for (;;) {
        const f = await this.next();
        if (f.event && f.data !== undefined) return f as SseFrame & { event: string; data: string };
      }
    },
    cancel: () => reader.cancel(),
  };
}
