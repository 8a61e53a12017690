/** The bridge's identity on a broker: a user name and, where the broker checks it, a password. */
export interface BrokerCredentials {
  username: string;
  password?: Buffer;
}
