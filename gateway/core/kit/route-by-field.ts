import { Observable, type OperatorFunction, merge } from 'rxjs';
import type { FieldName, StateReading } from '../../../contract/index.ts';
import { FanOut } from './fan-out.ts';

/** A rule and the fields that feed it. */
export interface FieldRoute<R> {
  /**
   * A reading carrying any of these fields (as a key, whatever its value) goes to the rule;
   * `'every'` for a rule that must see every reading (last seen, a record kept per device).
   */
  fields: readonly FieldName[] | 'every';
  rule: OperatorFunction<StateReading, R>;
}

/** Routes are bits of one mask per reading: 31 keeps the mask a small integer. */
const MAX_ROUTES = 31;

/**
 * Sends each reading once to only the rules whose fields it carries, instead of every rule
 * filtering every reading: a motion report does not visit the smoke, vital or geofence rules
 * (at 200,000 readings a second, each needless visit is a few percent). A rule only sees the
 * readings it would not have ignored, so its semantics are unchanged as long as `fields` lists
 * every field it reads to decide — a rule that reacts to any report of a device takes `'every'`.
 *
 * Output is the merge of the rules' drafts. A reading reaches its rules in route order, so drafts
 * come out in the order a merge of the rules over the whole stream gave. Every rule subscribes
 * before the source, so a synchronous source reaches all of them; the source is subscribed once
 * and unsubscribed with the output; its error and completion reach every rule.
 */
export function routeByField<R>(routes: readonly FieldRoute<R>[]): OperatorFunction<StateReading, R> {
  if (routes.length > MAX_ROUTES) throw new RangeError(`routeByField: at most ${MAX_ROUTES} routes, got ${routes.length}`);
  const { byField, every } = masksOf(routes.map((route) => route.fields));

  return (source) => new Observable<R>((subscriber) => {
    const inputs = routes.map(() => new FanOut<StateReading>());
    const out = merge(...routes.map((route, i) => inputs[i]!.pipe(route.rule))).subscribe(subscriber);
    const sub = source.subscribe({
      next: (r) => {
        // Hot path: no closure, no array per reading; for..in reads the keys without copying them.
        let mask = every;
        const fields = r.fields;
        for (const key in fields) {
          const bits = byField.get(key);
          if (bits !== undefined) mask |= bits;
        }
        for (let i = 0; mask !== 0; i++, mask >>>= 1) if ((mask & 1) !== 0) inputs[i]!.next(r);
      },
      error: (err: unknown) => { for (const input of inputs) input.error(err); },
      complete: () => { for (const input of inputs) input.complete(); },
    });
    return () => {
      sub.unsubscribe();
      out.unsubscribe();
    };
  });
}

interface Masks {
  /** Field name → bit mask of the routes it feeds. */
  byField: ReadonlyMap<string, number>;
  /** The routes that take every reading. */
  every: number;
}

/**
 * Shared by every router with the same field lists: a regional gateway runs the same few routers
 * in each of its 10,000 sites, and a table each would cost ~1 KB a site for nothing.
 */
const masksByShape = new Map<string, Masks>();

function masksOf(fieldLists: ReadonlyArray<FieldRoute<unknown>['fields']>): Masks {
  const shape = fieldLists.map((fields) => (fields === 'every' ? '*' : fields.join(','))).join('|');
  const known = masksByShape.get(shape);
  if (known) return known;
  const byField = new Map<string, number>();
  let every = 0;
  fieldLists.forEach((fields, i) => {
    if (fields === 'every') every |= 1 << i;
    else for (const f of fields) byField.set(f, (byField.get(f) ?? 0) | (1 << i));
  });
  const masks = { byField, every };
  masksByShape.set(shape, masks);
  return masks;
}
