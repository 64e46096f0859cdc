/**
 * Linux signals, for `killContainer`: the Go client's `Signal` constants (SIGABRT..SIGXFSZ,
 * the values containers see on Linux whatever the client's platform), plus parsing of names.
 *
 * The kill endpoint's `signal` is sent as a number: the v1.10 API (and the Go client) send an
 * integer, and every later daemon still accepts one, so a number works at every version while
 * names were only understood by later daemons.
 */
import { InvalidSignalError } from "./errors.js";

/** Linux signal numbers by name. The Go package's `SIGABRT`...`SIGXFSZ` constants. */
export const Signal = {
  SIGABRT: 0x6,
  SIGALRM: 0xe,
  SIGBUS: 0x7,
  SIGCHLD: 0x11,
  SIGCLD: 0x11,
  SIGCONT: 0x12,
  SIGFPE: 0x8,
  SIGHUP: 0x1,
  SIGILL: 0x4,
  SIGINT: 0x2,
  SIGIO: 0x1d,
  SIGIOT: 0x6,
  SIGKILL: 0x9,
  SIGPIPE: 0xd,
  SIGPOLL: 0x1d,
  SIGPROF: 0x1b,
  SIGPWR: 0x1e,
  SIGQUIT: 0x3,
  SIGSEGV: 0xb,
  SIGSTKFLT: 0x10,
  SIGSTOP: 0x13,
  SIGSYS: 0x1f,
  SIGTERM: 0xf,
  SIGTRAP: 0x5,
  SIGTSTP: 0x14,
  SIGTTIN: 0x15,
  SIGTTOU: 0x16,
  SIGUNUSED: 0x1f,
  SIGURG: 0x17,
  SIGUSR1: 0xa,
  SIGUSR2: 0xc,
  SIGVTALRM: 0x1a,
  SIGWINCH: 0x1c,
  SIGXCPU: 0x18,
  SIGXFSZ: 0x19,
} as const;

/** A signal name with its `SIG` prefix, e.g. `"SIGTERM"`. */
export type SignalName = keyof typeof Signal;

/** What `killContainer` accepts: a number, or a name with or without `SIG` (`"SIGHUP"`, `"HUP"`), any case. */
export type SignalInput = number | SignalName | (string & {});

/** Highest Linux signal number (the real-time signals end at 64). */
const MAX_SIGNAL = 64;

/**
 * The number of a signal.
 * @throws InvalidSignalError for an unknown name, a number outside 1–64, or anything else.
 */
export function signalNumber(signal: SignalInput): number {
  if (typeof signal === "number") {
    if (Number.isInteger(signal) && signal >= 1 && signal <= MAX_SIGNAL) return signal;
    throw new InvalidSignalError(signal);
  }
  if (typeof signal !== "string") throw new InvalidSignalError(signal);
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) return signalNumber(Number(text));
  const name = (text.startsWith("SIG") ? text : `SIG${text}`) as SignalName;
  if (Object.hasOwn(Signal, name)) return Signal[name];
  throw new InvalidSignalError(signal);
}

/** The usual name of a signal number (`15` → `"SIGTERM"`), or undefined for numbers without one. */
export function signalName(signal: number): SignalName | undefined {
  // Aliases share numbers (SIGIOT = SIGABRT, SIGCLD = SIGCHLD, ...); the first name in this list wins.
  for (const name of PREFERRED_NAMES) if (Signal[name] === signal) return name;
  return undefined;
}

const ALIASES: ReadonlySet<SignalName> = new Set(["SIGIOT", "SIGCLD", "SIGPOLL", "SIGUNUSED"]);
const PREFERRED_NAMES = (Object.keys(Signal) as SignalName[]).filter((name) => !ALIASES.has(name));
