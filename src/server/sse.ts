/**
 * Server-Sent Events writer over a raw Node response: one `event:`/`data:` frame per event, flushed
 * immediately (never buffered or compressed), with backpressure respected via 'drain'.
 */
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private closed = false;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => {
      this.closed = true;
    });
  }

  /** Writes the status line and headers; call once before the first event. */
  open(headers: Record<string, string> = {}): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.res.flushHeaders();
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  async send(event: string, data: unknown): Promise<void> {
    if (this.isClosed) return;
    const ok = this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (!ok && !this.isClosed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
