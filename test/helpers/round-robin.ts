/**
 * What an HTTP load balancer in front of server replicas does, for tests (docs/scale-out.md):
 * hands out the replicas in turn, and takes one out of turn once a connection to it failed.
 */
export class RoundRobin {
  private readonly down = new Set<string>();
  private turn = 0;

  constructor(private readonly targets: readonly string[]) {}

  /** The next replica in turn that is not known to be down. */
  next(): string {
    const live = this.targets.filter((t) => !this.down.has(t));
    if (live.length === 0) throw new Error('round robin: every replica is down');
    this.turn = (this.turn + 1) % live.length;
    return live[this.turn]!;
  }

  markDown(target: string): void {
    this.down.add(target);
  }
}
