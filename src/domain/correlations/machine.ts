import { isoFromMillis } from '../iso-timestamp.ts';
import type { CorrelationSpec } from './spec.ts';

/** An event as a correlation sees it: its type, id, data and when it was stored. */
export interface CorrelationEvent {
  type: string;
  /** The event's id: a second event with the same id is a duplicate. */
  id: string;
  /** Where the record is stored (stream, partition, offset): unique, and the same on every replay. */
  ref: string;
  data: unknown;
  /** Epoch milliseconds. */
  at: number;
}

interface HeldEvent {
  id: string;
  data: unknown;
  at: number;
}

/** The instance of a key that is still waiting for events. */
export interface OpenInstance {
  /** 1, 2, … while the key's markers last; for reading, not identity. */
  number: number;
  /** Where the instance's first record is stored: what identifies the instance (and its outcome). */
  first: string;
  events: Record<string, HeldEvent>;
  /** Ids of every event the instance took, so a duplicate is recognised. */
  ids: string[];
  count: number;
  firstAt: number;
  lastAt: number;
  deadline: number;
}

/** How a key's last instance ended; kept for a timeout, so late events and duplicates are recognised. */
export interface FinishedInstance {
  number: number;
  outcome: 'complete' | 'expired';
  at: number;
  ids: string[];
  /** When the marker may go. */
  until: number;
}

/** Everything a correlation keeps for one key (JSON, as stored). */
export interface KeyState {
  key: string;
  open?: OpenInstance;
  finished?: FinishedInstance;
}

export interface Aggregate {
  key: string;
  complete: boolean;
  events: Record<string, unknown>;
  missing: string[];
  firstAt: string;
  lastAt: string;
  count: number;
}

/** What an instance came to: exactly one per instance. */
export interface Outcome {
  kind: 'complete' | 'expired';
  key: string;
  instance: number;
  /** Where the instance's first record is stored; with the correlation's name, the outcome's identity. */
  first: string;
  aggregate: Aggregate;
}

export type Ignored = 'duplicate' | 'late' | 'unknown_type' | 'too_many_events';

export interface Step {
  /** `undefined`: nothing is left to keep for the key. */
  state: KeyState | undefined;
  outcomes: Outcome[];
  ignored?: Ignored;
}

/** When the key next needs attention: its open instance's deadline, or when its finished marker may go. */
export function nextDeadline(state: KeyState): number | undefined {
  return state.open?.deadline ?? state.finished?.until;
}

/**
 * Applies one event to its key. An open instance whose deadline the event's time has passed
 * expires first (so the outcome depends on stored times, not on when the event is read).
 */
export function onEvent(spec: CorrelationSpec, current: KeyState | undefined, key: string, event: CorrelationEvent): Step {
  const outcomes: Outcome[] = [];
  let state: KeyState = current ?? { key };
  if (state.open !== undefined && event.at >= state.open.deadline) {
    const expired = expire(spec, state, state.open.deadline);
    outcomes.push(expired.outcome);
    state = expired.state;
  }
  if (state.finished !== undefined && event.at >= state.finished.until) state = withoutFinished(state);
  if (!spec.types.includes(event.type)) return { state: keep(state), outcomes, ignored: 'unknown_type' };

  let open = state.open;
  if (open === undefined) {
    const finished = state.finished;
    if (finished?.ids.includes(event.id) === true) return { state: keep(state), outcomes, ignored: 'duplicate' };
    if (finished !== undefined && spec.late === 'drop') return { state: keep(state), outcomes, ignored: 'late' };
    open = {
      number: (finished?.number ?? 0) + 1,
      first: event.ref,
      events: {},
      ids: [],
      count: 0,
      firstAt: event.at,
      lastAt: event.at,
      deadline: event.at + spec.timeoutMs,
    };
  } else {
    if (open.ids.includes(event.id)) return { state: keep(state), outcomes, ignored: 'duplicate' };
    if (open.count >= spec.limits.maxEventsPerInstance) return { state: keep(state), outcomes, ignored: 'too_many_events' };
    open = { ...open, events: { ...open.events }, ids: [...open.ids] };
  }
  if (spec.keep === 'last' || open.events[event.type] === undefined) open.events[event.type] = { id: event.id, data: event.data, at: event.at };
  open.ids.push(event.id);
  open.count++;
  open.lastAt = Math.max(open.lastAt, event.at);
  open.deadline = (spec.timeoutFrom === 'last' ? open.lastAt : open.firstAt) + spec.timeoutMs;
  state = { ...state, open };
  if (isComplete(spec, key, open)) {
    const ended = finish(spec, state, 'complete', event.at);
    outcomes.push(ended.outcome);
    state = ended.state;
  }
  return { state: keep(state), outcomes };
}

/** The key's timer at `now`: an open instance past its deadline expires; a finished marker past its time goes. */
export function onTimer(spec: CorrelationSpec, current: KeyState, now: number): Step {
  if (current.open !== undefined) {
    if (now < current.open.deadline) return { state: current, outcomes: [] };
    const expired = expire(spec, current, current.open.deadline);
    return { state: keep(expired.state), outcomes: [expired.outcome] };
  }
  if (current.finished !== undefined && now >= current.finished.until) return { state: undefined, outcomes: [] };
  return { state: current, outcomes: [] };
}

/** Expires the open instance now (a correlation over its limit of open instances). */
export function expireNow(spec: CorrelationSpec, current: KeyState, now: number): Step {
  if (current.open === undefined) return { state: current, outcomes: [] };
  const expired = expire(spec, current, Math.min(now, current.open.deadline));
  return { state: keep(expired.state), outcomes: [expired.outcome] };
}

/** The aggregate of an instance, as stored in the output event. */
export function aggregateOf(spec: CorrelationSpec, key: string, open: OpenInstance, complete: boolean): Aggregate {
  const events: Record<string, unknown> = {};
  for (const type of spec.types) if (open.events[type] !== undefined) events[type] = open.events[type].data;
  return {
    key,
    complete,
    events,
    missing: spec.types.filter((type) => open.events[type] === undefined),
    firstAt: isoFromMillis(open.firstAt),
    lastAt: isoFromMillis(open.lastAt),
    count: open.count,
  };
}

function isComplete(spec: CorrelationSpec, key: string, open: OpenInstance): boolean {
  const present = spec.types.filter((type) => open.events[type] !== undefined).length;
  const completion = spec.completion;
  if (completion.kind === 'all') return present === spec.types.length;
  if (completion.kind === 'count') return present >= completion.count;
  return completion.matches(aggregateOf(spec, key, open, false));
}

function expire(spec: CorrelationSpec, state: KeyState, at: number): { state: KeyState; outcome: Outcome } {
  return finish(spec, state, 'expired', at);
}

function finish(spec: CorrelationSpec, state: KeyState, kind: 'complete' | 'expired', at: number): { state: KeyState; outcome: Outcome } {
  const open = state.open!;
  const outcome: Outcome = {
    kind,
    key: state.key,
    instance: open.number,
    first: open.first,
    aggregate: aggregateOf(spec, state.key, open, kind === 'complete'),
  };
  // The marker lives a timeout after the end: long enough for stragglers of the same instance.
  const finished: FinishedInstance = { number: open.number, outcome: kind, at, ids: open.ids, until: at + spec.timeoutMs };
  return { state: { key: state.key, finished }, outcome };
}

function withoutFinished(state: KeyState): KeyState {
  return state.open === undefined ? { key: state.key } : { key: state.key, open: state.open };
}

/** A key with nothing open and no marker needs no state. */
function keep(state: KeyState): KeyState | undefined {
  return state.open === undefined && state.finished === undefined ? undefined : state;
}
