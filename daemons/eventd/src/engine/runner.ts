import type { BelfryEvent, DaemonContext } from '@belfry/core';
import type { Catalogue } from '../catalogue.js';
import type { ActionConfig } from '../model.js';
import type { Shared } from '../part.js';
import { convertParams } from './params.js';

export const ACTION_FAILED = 'tns1:Device/tnsaxis:SystemMessage/tnsaxis:ActionFailed';

/** Limits of the action runner (each tested at the limit). */
export interface RunnerLimits {
  /** how long an action's owner has to answer (the RPC deadline) */
  timeoutMs: number;
  /** actions running at once */
  concurrency: number;
  /** actions waiting for a free slot; past it an action fails at once ("queue full") */
  queue: number;
}
export const RUNNER_LIMITS: RunnerLimits = { timeoutMs: 10_000, concurrency: 16, queue: 256 };

export interface Job {
  ruleId: number;
  ruleName: string;
  action: ActionConfig;
  kind: 'start' | 'stop';
  ev?: BelfryEvent;
}

/**
 * Runs actions: over the bus at their owner (`service.method` of the declaration, params converted
 * by their declared types), or eventd's own (`shared.localActions`). Every action has a deadline; at
 * most `concurrency` run at once and `queue` wait; one rule's start and stop run in order. A failure
 * raises ActionFailed and an audit line and blocks nothing else.
 */
export class ActionRunner {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly tails = new Map<number, Promise<void>>();
  private pending = 0;
  /** called when an action was handed to its owner (the bench's "action start") */
  onStarted?: (job: Job) => void;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly catalogue: Catalogue,
    private readonly shared: Shared,
    readonly limits: RunnerLimits = RUNNER_LIMITS,
  ) {}

  /** Queues a job; false (and ActionFailed) when the queue is full. */
  submit(job: Job): boolean {
    if (this.pending >= this.limits.concurrency + this.limits.queue) {
      this.failed(job, `the action queue is full (${this.limits.queue} waiting)`);
      return false;
    }
    this.pending++;
    const prev = this.tails.get(job.ruleId) ?? Promise.resolve();
    const next = prev
      .then(() => this.slot())
      .then(() => this.exec(job))
      .catch((err: unknown) => this.failed(job, (err as Error).message ?? String(err)))
      .finally(() => {
        this.pending--;
        this.release();
        if (this.tails.get(job.ruleId) === next) this.tails.delete(job.ruleId);
      });
    this.tails.set(job.ruleId, next);
    return true;
  }

  /** Resolves when every queued job has ended. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.allSettled([...this.tails.values()]);
  }

  private slot(): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private async exec(job: Job): Promise<void> {
    const { template, params } = job.action;
    const local = this.shared.localActions.get(template);
    if (local) {
      if (job.kind === 'stop') return;
      const ac = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ac.abort();
          reject(new Error(`did not finish within ${this.limits.timeoutMs} ms`));
        }, this.limits.timeoutMs);
      });
      this.onStarted?.(job);
      try {
        await Promise.race([local(params, job.ev, ac.signal), deadline]);
      } finally {
        clearTimeout(timer);
      }
      return;
    }
    const decl = this.catalogue.action(template);
    if (!decl) throw new Error(`action template '${template}' is not declared on this device`);
    if (job.kind === 'stop') {
      if (decl.stopMethod) await this.ctx.rpc.call(decl.service, decl.stopMethod, {}, this.limits.timeoutMs);
      return;
    }
    const call = this.ctx.rpc.call(decl.service, decl.method, convertParams(decl, params), this.limits.timeoutMs);
    this.onStarted?.(job);
    await call;
  }

  private failed(job: Job, why: string): void {
    const description = `rule '${job.ruleName}': ${job.kind === 'stop' ? 'stopping ' : ''}action '${job.action.name}' (${job.action.template}) failed: ${why}`;
    this.ctx.audit.write('eventd.action.failed', { rule: job.ruleId, actionConfig: job.action.id, template: job.action.template, kind: job.kind, error: why }, 'warn');
    try {
      this.ctx.events.emit(ACTION_FAILED, { data: { description: description.slice(0, 1024) } });
    } catch (err) {
      this.ctx.log.warn({ err }, 'ActionFailed not raised');
    }
  }
}
