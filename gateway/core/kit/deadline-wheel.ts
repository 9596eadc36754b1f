/**
 * Deadlines for many subjects checked by one periodic sweep without visiting every subject:
 * items sit in time slots (a min-heap of slot numbers over a map of slot → items), and a sweep
 * takes only the slots that are due. Lazy by design: a device that reports again is NOT moved on
 * each reading; when its slot comes due, the rule looks at its real deadline and re-adds it if it
 * is not yet due — so each subject costs one heap step per supervision period, not per reading.
 */
export class DeadlineWheel<T> {
  private readonly slots = new Map<number, T[]>();
  private readonly heap: number[] = [];

  constructor(private readonly slotMs: number) {}

  get size(): number {
    let n = 0;
    for (const items of this.slots.values()) n += items.length;
    return n;
  }

  /** Files `item` to be looked at once `deadline` has passed (at the first sweep after it). */
  add(item: T, deadline: number): void {
    const slot = Math.ceil(deadline / this.slotMs);
    const items = this.slots.get(slot);
    if (items) {
      items.push(item);
      return;
    }
    this.slots.set(slot, [item]);
    this.push(slot);
  }

  /** Removes and returns every item whose slot is due at `now`. */
  takeDue(now: number): T[] {
    const nowSlot = Math.floor(now / this.slotMs);
    const out: T[] = [];
    while (this.heap.length > 0 && this.heap[0]! <= nowSlot) {
      const slot = this.pop();
      const items = this.slots.get(slot);
      this.slots.delete(slot);
      if (items) for (const it of items) out.push(it);
    }
    return out;
  }

  private push(slot: number): void {
    const h = this.heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= slot) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = slot;
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < h.length && h[l]! < mv) { m = l; mv = h[l]!; }
        if (r < h.length && h[r]! < mv) { m = r; mv = h[r]!; }
        if (m === i) break;
        h[i] = mv;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
