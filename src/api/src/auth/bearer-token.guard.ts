import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { ApiConfig } from '../config';
import { API_CONFIG } from '../tokens';

/**
 * Requires `Authorization: Bearer <API_TOKEN>`. Both sides are hashed first, so the comparison
 * takes the same time whatever the presented token is, its length included.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.expected = digest(config.apiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization ?? '';
    const match = /^Bearer +(\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthorizedException('A valid bearer token is required (Authorization: Bearer <token>)');
    }
    return true;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest();
