// Structured logs for the long-running services (solver, verifier, explorer) through pino:
// --log-format json writes one JSON object per event (ISO time, level, "event" and the event's
// fields; what log shippers ingest), pretty writes one readable line per event (pino-pretty).
// bigint fields become decimal strings; keys are never among the fields services log.
import { pino, stdTimeFunctions, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { jsonable } from '../chain/types.ts';
import { UsageError } from '../jobs/errors.ts';
import type { Io } from './command.ts';

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: LogFormat[] = ['json', 'pretty'];

export const LOG_FORMAT_HELP = `  --log-format F      json (one JSON object per event: time, level, event, fields) or
                      pretty (one readable line per event); default pretty, json with --json`;

/** --log-format, defaulting to json when the command's --json asks for machine-readable output. */
export function logFormatFlag(value: string | boolean | undefined, json: boolean, cmd: string): LogFormat {
  if (value === undefined) return json ? 'json' : 'pretty';
  if (!LOG_FORMATS.includes(value as LogFormat)) throw new UsageError(`optrain ${cmd}: --log-format: expected json or pretty, got '${value}'`);
  return value as LogFormat;
}

/** Events whose name says something went wrong are logged at warn/error level. */
function levelOf(event: string): 'info' | 'warn' | 'error' {
  if (/error|failed|gave-up/.test(event)) return 'error';
  if (/warning|down|missing|skipped|lost|unanswered|withhold/.test(event)) return 'warn';
  return 'info';
}

export function serviceLogger(io: Pick<Io, 'stdout'>, format: LogFormat, service: string): { log: (event: string, fields: Record<string, unknown>) => void; logger: Logger } {
  const opts = { base: { service }, timestamp: stdTimeFunctions.isoTime, messageKey: 'msg' };
  const dest = format === 'json'
    ? io.stdout
    : pretty({ destination: io.stdout, sync: true, singleLine: true, colorize: !!io.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,event' });
  const logger = pino(opts, dest as NodeJS.WritableStream & { write(s: string): boolean });
  return {
    logger,
    log: (event, fields) => logger[levelOf(event)]({ event, ...(jsonable(fields) as Record<string, unknown>) }, event),
  };
}
