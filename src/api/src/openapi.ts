import { API_ROUTES } from '@dialogstack/contract';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** Where the JSON document is served, next to the UI. */
export const OPENAPI_JSON_PATH = `${API_ROUTES.docs}/openapi.json`;

/**
 * The OpenAPI document, generated from the routes; request and response schemas come from
 * the contract's zod schemas (Standard Schema → JSON Schema), so the docs cannot drift from
 * what the api validates and returns.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('dialogstack api')
    .setDescription('Usage statistics of the dialogstack Telegram assistant. Times are UTC.')
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // Relative: the document is served by the api it describes, wherever that is deployed.
    .addServer('/', 'This api')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API_TOKEN' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Swagger UI at /api/docs. Its assets come from the installed swagger-ui-dist, not a CDN. The
 * online validator is switched off explicitly: given a document URL instead of the inline
 * document, the UI would load a badge from validator.swagger.io.
 */
export function serveApiDocs(app: INestApplication): void {
  const document = openApiDocument(app);
  SwaggerModule.setup(API_ROUTES.docs.replace(/^\//, ''), app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.replace(/^\//, ''),
    yamlDocumentUrl: undefined,
    raw: ['json'],
    customSiteTitle: 'dialogstack api',
    swaggerOptions: { validatorUrl: null },
  });
}
