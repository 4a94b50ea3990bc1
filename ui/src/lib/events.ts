// The app's own events. The window may not listen to Tauri events (its capability grants no `core:event:*`), so the
// app sends what it has to say over one channel that the window opens at start; views subscribe here by kind.
import { Channel } from "@tauri-apps/api/core";
import { commands, type AppEvent } from "./bindings";

export type EventKind = AppEvent["kind"];
export type EventPayload<K extends EventKind> = Extract<AppEvent, { kind: K }>["payload"];
type Handler = (payload: never) => void;

const handlers = new Map<EventKind, Set<Handler>>();
let opened: Promise<void> | null = null;

/** Open the channel (once; every later call returns the same promise). */
export function openEvents(): Promise<void> {
  opened ??= (async () => {
    const channel = new Channel<AppEvent>();
    channel.onmessage = (event) => {
      for (const handler of handlers.get(event.kind) ?? []) (handler as (p: typeof event.payload) => void)(event.payload);
    };
    await commands.subscribeEvents(channel);
  })();
  return opened;
}

/** Call `handler` for each event of `kind` until the returned function is called. */
export async function onEvent<K extends EventKind>(
  kind: K,
  handler: (payload: EventPayload<K>) => void,
): Promise<() => void> {
  const set = handlers.get(kind) ?? new Set<Handler>();
  handlers.set(kind, set);
  set.add(handler as Handler);
  await openEvents();
  return () => set.delete(handler as Handler);
}
