import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LAMBDA_ENV } from '../shared/contract';
import { EVENTBRIDGE_SOURCE, parseEventBus } from '../shared/publish/event-bus';
import type { EventBridgeConfig } from './eventbridge-config';
import { detailTypes, eventBridgeSchemaDocument, readJobEventSchema } from './openapi-schema';

/** A bus the stack creates. */
export interface CreatedEventBusProps {
  readonly create: true;
  /**
   * Name of the new bus.
   * @default - a name CloudFormation generates
   */
  readonly name?: string;
}

/** EventBridge delivery of the events (besides SNS). */
export interface EventBridgeProps {
  /**
   * The bus every event is put on: `'default'` (the account's default bus), an existing bus by name
   * or ARN (a bus in another account must allow the poll role in its resource policy), an
   * `IEventBus`, or `{ create: true, name? }` for a bus the stack creates.
   * @default 'default'
   */
  readonly bus?: string | events.IEventBus | CreatedEventBusProps;
  /**
   * Archive the watcher's events on the bus (pattern `source: ["geminidb-job-watcher"]`) for this
   * long, so EventBridge's own replay can send them again. The bus must be in the stack's account.
   * @default - no archive
   */
  readonly archiveRetention?: Duration;
  /**
   * Name of the schema registry that holds the event schemas (one per detail type).
   * @default - a name CloudFormation generates
   */
  readonly schemaRegistryName?: string;
}

/** What {@link WatcherEventBridge} wires to. */
export interface WatcherEventBridgeProps extends EventBridgeProps {
  /** Gets `events:PutEvents` on the bus and the bus in `WATCHER_EVENT_BUS`. */
  readonly pollFunction: lambda.Function;
}

/** An EventBridge prop combination that cannot work; the message names the prop and the fix. */
export class EventBridgePropsError extends Error {
  override readonly name = 'EventBridgePropsError';
}

/** Description of the registry, in the console beside the schemas. */
const REGISTRY_DESCRIPTION =
  'Schemas of the GeminiDB job watcher events (source geminidb-job-watcher): one per detail type, with code bindings';

/**
 * The EventBridge side of the watcher: the bus (the default one, an existing one or one it
 * creates), `events:PutEvents` on that bus only for the poll function, an optional archive of the
 * watcher's events, and a schema registry with one OpenAPI 3 schema per detail type, from which
 * consumers download code bindings.
 */
export class WatcherEventBridge extends Construct {
  /** The bus events are put on. */
  readonly bus: events.IEventBus;
  /** The bus, when the stack created it. */
  readonly createdBus: events.EventBus | undefined;
  /** The archive of the watcher's events, when configured. */
  readonly archive: events.Archive | undefined;
  /** The schema registry. */
  readonly registry: eventschemas.CfnRegistry;
  /** One schema per detail type, named `geminidb-job-watcher@<detail type>`. */
  readonly schemas: readonly eventschemas.CfnSchema[];

  constructor(scope: Construct, id: string, props: WatcherEventBridgeProps) {
    super(scope, id);
    const { bus, created, nameOrArn } = this.resolveBus(props.bus ?? 'default');
    this.bus = bus;
    this.createdBus = created;
    bus.grantPutEventsTo(props.pollFunction);
    props.pollFunction.addEnvironment(LAMBDA_ENV.eventBus, nameOrArn);

    this.archive =
      props.archiveRetention === undefined
        ? undefined
        : this.createArchive(props.bus, props.archiveRetention);

    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      description: REGISTRY_DESCRIPTION,
      ...(props.schemaRegistryName ? { registryName: props.schemaRegistryName } : {}),
    });
    const contract = readJobEventSchema();
    this.schemas = detailTypes(contract).map(
      (detailType) =>
        new eventschemas.CfnSchema(this, `Schema-${detailType.split('.').pop()}`, {
          registryName: this.registry.attrRegistryName,
          schemaName: `${EVENTBRIDGE_SOURCE}@${detailType}`,
          type: 'OpenApi3',
          description: `A GeminiDB job transition of detail type ${detailType}: the CloudEvent is the detail`,
          content: JSON.stringify(eventBridgeSchemaDocument(contract, detailType)),
        }),
    );
  }

  private resolveBus(choice: NonNullable<EventBridgeProps['bus']>): {
    bus: events.IEventBus;
    created?: events.EventBus;
    nameOrArn: string;
  } {
    if (typeof choice === 'string') {
      const ref = parseEventBus(choice);
      if (!ref) {
        throw new EventBridgePropsError(
          `eventBridge.bus: "${choice}" is not a bus name or an arn:aws:events:REGION:ACCOUNT:event-bus/NAME ARN`,
        );
      }
      const bus = ref.region
        ? events.EventBus.fromEventBusArn(this, 'Bus', choice)
        : events.EventBus.fromEventBusName(this, 'Bus', choice);
      return { bus, nameOrArn: choice };
    }
    if ('create' in choice) {
      const created = new events.EventBus(this, 'Bus', {
        description: 'GeminiDB job watcher events',
        ...(choice.name ? { eventBusName: choice.name } : {}),
      });
      return { bus: created, created, nameOrArn: created.eventBusArn };
    }
    return { bus: choice, nameOrArn: choice.eventBusArn };
  }

  private createArchive(choice: EventBridgeProps['bus'], retention: Duration): events.Archive {
    const stack = Stack.of(this);
    const ref = typeof choice === 'string' ? parseEventBus(choice) : undefined;
    const elsewhere =
      ref?.account !== undefined &&
      ((!Token.isUnresolved(stack.account) && ref.account !== stack.account) ||
        (!Token.isUnresolved(stack.region) && ref.region !== stack.region));
    if (elsewhere) {
      throw new EventBridgePropsError(
        `eventBridge.archive: the bus ${choice} is in another account or region than the stack; an archive ` +
          'must be created beside its bus: archive it in that account, or leave archive out',
      );
    }
    if (retention.toDays({ integral: false }) < 1) {
      throw new EventBridgePropsError('eventBridge.archiveRetention must be at least one day');
    }
    return this.bus.archive('Archive', {
      description: 'GeminiDB job watcher events, for EventBridge replay',
      eventPattern: { source: [EVENTBRIDGE_SOURCE] },
      retention,
    });
  }
}

/** The construct props of the config file's `eventBridge`. */
export function eventBridgeProps(config: EventBridgeConfig): EventBridgeProps {
  return {
    bus: config.bus,
    ...(config.archive ? { archiveRetention: Duration.days(config.archive.retentionDays) } : {}),
    ...(config.schemaRegistryName ? { schemaRegistryName: config.schemaRegistryName } : {}),
  };
}

/** Stack outputs consumers need: the bus to put rules on and the registry with the schemas. */
export function addEventBridgeOutputs(stack: Stack, eventBridge: WatcherEventBridge): void {
  new CfnOutput(stack, 'EventBusArn', {
    description: 'EventBridge bus of the job events: put rules on it (source geminidb-job-watcher)',
    value: eventBridge.bus.eventBusArn,
  });
  new CfnOutput(stack, 'SchemaRegistryName', {
    description: 'EventBridge schema registry of the job events: download code bindings there',
    value: eventBridge.registry.attrRegistryName,
  });
}
