import { Logger } from '@dialogstack/runtime';
import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { ApiConfig } from './config';
import { accessLog } from './http/access-log';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { answerUnparsableRequests } from './http/client-error';
import { contractValidationPipe } from './http/query-validation';
import { NestLogger } from './logging/nest-logger';
import { serveApiDocs } from './openapi';

/** The api as it runs in production; tests and benchmarks start it through here too. */
export async function createApp(config: ApiConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new NestLogger(logger),
    // GET-only api: no request bodies to parse.
    bodyParser: false,
    // On shutdown, close idle keep-alive connections instead of waiting for clients to.
    forceCloseConnections: true,
  });
  configureApp(app, config, logger);
  return app;
}

/** Everything around the routes: CORS, validation, errors, logs, docs, shutdown. */
export function configureApp(app: INestApplication, config: ApiConfig, logger: Logger): void {
  const express = (app as NestExpressApplication);
  express.disable('x-powered-by');
  // Repeated parameters become arrays (and fail validation); no nested objects.
  express.set('query parser', 'simple');
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: [...config.corsOrigins], methods: ['GET', 'HEAD'], allowedHeaders: ['Authorization'], maxAge: 600 });
  }
  app.use(accessLog(logger));
  app.useGlobalPipes(contractValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter(app.get(HttpAdapterHost), logger));
  answerUnparsableRequests(app.getHttpServer(), logger);
  serveApiDocs(app);
  // Close the server and the pool, then exit 0 (stdout flushed) instead of re-raising the signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
}
