export * from './data-source';
export * from './entities/message.entity';
export * from './entities/user.entity';
export * from './migrate';
export * from './postgres-url';
export * from './pool-query';
