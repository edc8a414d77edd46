import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ORDER_PATH, ORDERS_PATH } from '../../lambda/contracts/order-api';
import { API_FUNCTION_ENVIRONMENTS } from '../../lambda/shared/environments';
import { API_FUNCTION_TIMEOUT, FUNCTION_MEMORY_MB } from '../defaults';
import { checkEnvironment } from '../function-environment';
import { CONSUMER_RUNTIME, functionBundling } from './event-consumer';

/** How callers authenticate; lib/config.ts validates it per stage. */
export type OrderApiAuthorization =
  | { readonly type: 'iam' }
  | { readonly type: 'jwt'; readonly issuer: string; readonly audience: readonly string[] };

export interface OrderApiProps {
  /** Entry files of the two functions. */
  readonly placeOrderEntry: string;
  readonly getOrderEntry: string;
  /** Where accepted orders are stored and read. */
  readonly ordersTable: ITable;
  /** The bus OrderPlaced goes to: its name is given to place-order; the grant is the caller's (`grantPublish`). */
  readonly eventBusName: string;
  readonly authorization: OrderApiAuthorization;
  /** Stage throttling: steady requests per second and burst. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Environment both functions share (stage, Powertools settings). With the construct's own variables,
   * it must give each function every variable of its map in `API_FUNCTION_ENVIRONMENTS`
   * (lambda/shared/environments.ts), `STAGE` among them, as its handler parses it: synth fails naming
   * the function and the variable otherwise.
   * @default - none besides what the construct sets, so synth fails for the missing `STAGE`
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default API_FUNCTION_TIMEOUT (lib/defaults.ts) */
  readonly timeout?: Duration;
  /** @default ApplicationLogLevel.INFO */
  readonly logLevel?: ApplicationLogLevel;
  /** Retention of the access log and the functions' logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default - the nearest lock file above the working directory */
  readonly depsLockFilePath?: string;
  /**
   * Bundle and start the Powertools Tracer (X-Ray SDK) in both functions; see `EventConsumerProps`.
   * @default false
   */
  readonly powertoolsTracer?: boolean;
}

/** The API's functions: their service names and the keys of API_FUNCTION_ENVIRONMENTS. */
type ApiFunctionName = keyof typeof API_FUNCTION_ENVIRONMENTS;

/** An HTTP API's integration timeout (30 s): a function that runs longer answers 503 anyway. */
const MAX_INTEGRATION_TIMEOUT = Duration.seconds(30);

/**
 * What the access log records of each request: identifiers, outcome and timings; never bodies, tokens
 * or addresses. `authorizerError` says why a 401/403 was answered, `integrationError` why a 5xx was.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
} as const;

/**
 * The front door of the pipeline: an API Gateway HTTP API (docs/adr/0003-http-api-front-door.md) with
 * `POST /orders` and `GET /orders/{orderId}`, each a Lambda proxy integration (payload format 2.0) on its
 * own function, every route behind the stage's authorizer (IAM or JWT), the `$default` stage throttled
 * and access-logged.
 *
 * place-order may put and get orders; get-order may only read them. Publishing is
 * granted by the caller (`PipelineStack.grantPlaceOrders(placeOrder)`), which owns the bus.
 */
export class OrderApi extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogGroup: LogGroup;
  public readonly placeOrder: NodejsFunction;
  public readonly getOrder: NodejsFunction;
  public readonly placeOrderRole: Role;
  public readonly getOrderRole: Role;
  /** The base URL of the API (`https://<id>.execute-api.<region>.amazonaws.com`). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: OrderApiProps) {
    super(scope, id);
    this.checkInvariants(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Places orders and reads their status',
      // The stage below carries throttling and access logs, which the generated default stage cannot.
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url.replace(/\/$/, '');

    const common = { ...props, removalPolicy, logRetention };
    const place = this.apiFunction('PlaceOrder', props.placeOrderEntry, common, {
      name: 'place-order',
      description: 'POST /orders: accepts an order once per Idempotency-Key and publishes OrderPlaced.',
      environment: {
        ORDERS_TABLE: props.ordersTable.tableName,
        EVENT_BUS_NAME: props.eventBusName,
      },
    });
    this.placeOrder = place.fn;
    this.placeOrderRole = place.role;
    const get = this.apiFunction('GetOrder', props.getOrderEntry, common, {
      name: 'get-order',
      description: 'GET /orders/{orderId}: the status, history and reason of an order.',
      environment: { ORDERS_TABLE: props.ordersTable.tableName },
    });
    this.getOrder = get.fn;
    this.getOrderRole = get.role;

    // The acceptance is a conditional put, read back when it was refused (the order item is the
    // idempotency record). get-order reads one item.
    props.ordersTable.grant(this.placeOrder, 'dynamodb:GetItem', 'dynamodb:PutItem');
    props.ordersTable.grant(this.getOrder, 'dynamodb:GetItem');

    const authorizer = this.authorizerFor(props.authorization);
    const v2 = { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 };
    this.httpApi.addRoutes({
      path: ORDERS_PATH,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('PlaceOrderIntegration', this.placeOrder, v2),
      authorizer,
    });
    this.httpApi.addRoutes({
      path: ORDER_PATH,
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetOrderIntegration', this.getOrder, v2),
      authorizer,
    });
  }

  /**
   * With IAM authorization: lets `grantee` call both routes (SigV4-signed). A storefront backend or a
   * test runner needs exactly this; with JWT authorization, callers need a token instead.
   */
  public grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        this.httpApi.arnForExecuteApi(HttpMethod.POST, ORDERS_PATH, this.stage.stageName),
        this.httpApi.arnForExecuteApi(HttpMethod.GET, '/orders/*', this.stage.stageName),
      ],
    });
  }

  private authorizerFor(authorization: OrderApiAuthorization): IHttpRouteAuthorizer {
    if (authorization.type === 'iam') return new HttpIamAuthorizer();
    return new HttpJwtAuthorizer('JwtAuthorizer', authorization.issuer, {
      jwtAudience: [...authorization.audience],
      identitySource: ['$request.header.Authorization'],
    });
  }

  private apiFunction(
    id: string,
    entry: string,
    props: OrderApiProps & { removalPolicy: RemovalPolicy; logRetention: RetentionDays },
    spec: { name: ApiFunctionName; description: string; environment: Record<string, string> },
  ): { fn: NodejsFunction; role: Role } {
    const environment = {
      ...props.environment,
      POWERTOOLS_SERVICE_NAME: spec.name,
      ...spec.environment,
      AUTHORIZATION_TYPE: props.authorization.type,
      NODE_OPTIONS: '--enable-source-maps',
    };
    checkEnvironment(spec.name, API_FUNCTION_ENVIRONMENTS[spec.name], environment, this.fail);
    const logGroup = new LogGroup(this, `${id}LogGroup`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // An own role that writes to its own log group only (see EventConsumer).
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: spec.description,
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, id, {
      entry,
      description: spec.description,
      runtime: CONSUMER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: props.timeout ?? API_FUNCTION_TIMEOUT,
      role,
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: props.logLevel ?? ApplicationLogLevel.INFO,
      logGroup,
      depsLockFilePath: props.depsLockFilePath,
      environment,
      bundling: functionBundling(true, props.powertoolsTracer ?? false),
    });
    return { fn, role };
  }

  private checkInvariants(props: OrderApiProps): void {
    const fail = this.fail;
    const timeout = (props.timeout ?? API_FUNCTION_TIMEOUT).toSeconds();
    if (timeout > MAX_INTEGRATION_TIMEOUT.toSeconds()) {
      fail(
        `timeout (${timeout} s) exceeds API Gateway's ${MAX_INTEGRATION_TIMEOUT.toSeconds()} s integration timeout: ` +
          'the client would get a 503 while the function still runs. Lower it.',
      );
    }
    const { rateLimit, burstLimit } = props.throttle;
    if (!(rateLimit > 0) || !Number.isInteger(burstLimit) || burstLimit < 1) {
      fail(
        `throttle needs a positive rateLimit and a whole burstLimit of at least 1, got ${rateLimit}/${burstLimit}.`,
      );
    }
    if (props.authorization.type === 'jwt') {
      if (!props.authorization.issuer.startsWith('https://')) {
        fail(`the JWT issuer must be an https:// URL, got "${props.authorization.issuer}".`);
      }
      if (props.authorization.audience.length === 0) {
        fail('the JWT authorizer needs at least one audience: tokens for any client would pass otherwise.');
      }
    }
  }

  private readonly fail = (message: string): never => {
    throw new Error(`OrderApi ${this.node.path}: ${message}`);
  };
}
