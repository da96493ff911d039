/** A clock for cache tests: time moves only when the test says so. */
export class FakeClock {
  constructor(private t = 1_700_000_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
