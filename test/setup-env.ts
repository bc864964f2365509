// Tests never read a developer's .env (natural's dotenv) and never print the pino banner noise.
process.env.DOTENV_CONFIG_QUIET = 'true';
process.env.LOG_LEVEL ??= 'silent';
