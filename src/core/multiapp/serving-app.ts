import type { App } from '../app.js';
import type { CoreRequest, CoreResponse } from '../http.js';

/**
 * An app that is (or was) serving, counting the requests it is answering. A reload or an LRU eviction retires it;
 * its runtime is closed only once the last request on it has finished, so a swap never breaks a request in flight.
 */
export class ServingApp {
  private active = 0;
  private retired = false;
  private closed: Promise<void> | null = null;
  private resolveClosed!: () => void;
  private readonly whenClosed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    readonly app: App,
    private readonly log: Pick<Console, 'error'>,
  ) {}

  /** Starts counting synchronously, so a caller that got this object from a field is counted before any await. */
  async handle(req: CoreRequest): Promise<CoreResponse> {
    this.active++;
    try {
      return await this.app.handle(req);
    } finally {
      this.active--;
      if (this.retired && this.active === 0) void this.shutDown();
    }
  }

  /** No new requests will be given to it; resolves when its runtime is closed. */
  retire(): Promise<void> {
    this.retired = true;
    if (this.active === 0) void this.shutDown();
    return this.whenClosed;
  }

  private shutDown(): Promise<void> {
    if (!this.closed) {
      this.closed = this.app.runtime
        .close()
        .catch((err: unknown) => this.log.error(`closing the runtime of ${this.app.config.configFile} failed`, err))
        .finally(() => this.resolveClosed());
    }
    return this.closed;
  }
}
