/**
 * OpenTelemetry tracing through Temporal's interceptors (@temporalio/interceptors-opentelemetry),
 * off by default. On, a worker gets:
 *   - the workflow interceptors, bundled into the workflow code (`workflowModules`): a span for
 *     the run of each instance (`RunWorkflow:<process>`) and each activity it schedules
 *     (`StartActivity:<type>`), whose context travels to the activity in a header;
 *   - the sink they export through (the sandbox has no network): spans leave it as the SDK's
 *     sinks do, not while a history replays;
 *   - the activity interceptors: a span for each execution (`RunActivity:<type>`), child of the
 *     workflow's.
 * Spans go to an OTLP/HTTP endpoint (the standard OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, or a
 * URL given), or to a span processor of the embedder's. Off, the worker is built exactly as
 * before: no interceptor, the same bundle, the same history.
 */
import { createRequire } from 'node:module';
import type { WorkerOptions } from '@temporalio/worker';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import { context, propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { TelemetryError } from './telemetry.js';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

export interface TracingOptions {
  /**
   * Export over OTLP/HTTP (JSON) to `url` (a collector's `…/v1/traces`); without a url, to what
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT (+ `/v1/traces`) say.
   * The default when no `spanProcessor` is given.
   */
  otlp?: { url?: string; headers?: Record<string, string> };
  /** Or spans to a processor of your own (a test's InMemorySpanExporter): flushed, not shut down, when the worker stops. */
  spanProcessor?: SpanProcessor;
  /** The spans' `service.name`; default OTEL_SERVICE_NAME, else `svcflow-worker`. */
  serviceName?: string;
}

const WORKFLOW_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Tracing from the standard OpenTelemetry variables: on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * or OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads them), unless OTEL_SDK_DISABLED=true;
 * OTEL_SERVICE_NAME names the service.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): TracingOptions | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  checkOtlpUrl(endpoint);
  const serviceName = env.OTEL_SERVICE_NAME?.trim();
  return { otlp: {}, ...(serviceName ? { serviceName } : {}) };
}

/** An OTLP/HTTP traces URL, or a TelemetryError that says what is expected. */
export function checkOtlpUrl(url: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if ((protocol !== 'http:' && protocol !== 'https:') || url.trim() !== url) {
    throw new TelemetryError(`invalid OTLP endpoint ${JSON.stringify(url.slice(0, 100))}: expected an http:// or https:// URL, e.g. http://127.0.0.1:4318/v1/traces`);
  }
  return url;
}

/** Where the spans go, for a banner: the URL given, or the one the exporter makes of the environment. */
export function tracingTarget(options: TracingOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (options.spanProcessor) return 'the span processor given';
  return options.otlp?.url ?? (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || `${env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim().replace(/\/$/, '')}/v1/traces`);
}

export interface WorkerTracing {
  /** `options` with the interceptors and the sink added (the workflow interceptors only where workflows run). */
  workerOptions(options: Partial<WorkerOptions>, workflows: boolean): Partial<WorkerOptions>;
  /** Sends what is still buffered; shuts down the processor svcflow made. */
  close(): Promise<void>;
}

export function workerTracing(options: TracingOptions): WorkerTracing {
  const url = options.otlp?.url === undefined ? undefined : checkOtlpUrl(options.otlp.url);
  const own = !options.spanProcessor;
  const processor = options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ ...(url ? { url } : {}), ...(options.otlp?.headers ? { headers: options.otlp.headers } : {}) }));
  const resource = new Resource({ 'service.name': options.serviceName ?? (process.env.OTEL_SERVICE_NAME?.trim() || 'svcflow-worker') });
  // A provider of svcflow's own for the activity spans; the global one is left to the embedder.
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(processor);
  const tracer = provider.getTracer('svcflow');
  // The activity's span finds the workflow's in the header through the global propagator and
  // context manager; the SDK leaves those to an OpenTelemetry setup of the process's (NodeSDK):
  // without one, W3C trace context and AsyncLocalStorage (each call is refused if one is set).
  if (propagation.fields().length === 0) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // The SDK copies the whole WorkflowInfo onto a workflow's spans: its search attributes, memo and
  // last result may hold business data (and are no valid attribute values); only plain values stay.
  const scrubbed: SpanProcessor = {
    onStart: () => {},
    onEnd: (span: ReadableSpan) => {
      const attributes = span.attributes as Record<string, unknown>;
      for (const [k, v] of Object.entries(attributes)) if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.every((x) => typeof x !== 'object'))) delete attributes[k];
      processor.onEnd(span);
    },
    forceFlush: () => processor.forceFlush(),
    shutdown: () => Promise.resolve(),
  };
  return {
    workerOptions(given, workflows) {
      const interceptors = given.interceptors ?? {};
      return {
        ...given,
        interceptors: {
          ...interceptors,
          workflowModules: [...(workflows ? [WORKFLOW_INTERCEPTORS] : []), ...(interceptors.workflowModules ?? [])],
          activity: [
            (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
            ...(interceptors.activity ?? []),
          ],
        },
        sinks: { ...given.sinks, exporter: makeWorkflowExporter(scrubbed, resource) },
      };
    },
    async close() {
      await (own ? provider.shutdown() : processor.forceFlush());
    },
  };
}
