import { Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { PropError } from '../shared/guards';
import type { EndpointType } from './rest-front-door';

/** Props of {@link RestCustomDomain}. */
export interface RestCustomDomainProps {
  /** The domain name clients use, for example `api.example.com`. */
  readonly domainName: string;
  /** The public hosted zone the domain name is in (certificate validation and the alias record). */
  readonly hostedZone: route53.IHostedZone;
  /** The API and stage the base path maps to. */
  readonly api: apigw.IRestApi;
  readonly stage: apigw.Stage;
  /** The API's endpoint type; the custom domain has the same (private APIs are refused). */
  readonly endpointType: EndpointType;
  /** The base path the stage is served under, the version segment (`https://api.example.com/v1/...`). */
  readonly basePath: string;
}

/**
 * A custom domain for the REST API: a DNS-validated ACM certificate, the API Gateway domain name
 * (TLS 1.2 minimum) with a base-path mapping to the stage, and an alias record. Edge-optimized
 * domains need their certificate in us-east-1, so an edge-optimized API's stack must be deployed
 * there; private APIs are refused (private custom domains are a different resource).
 */
export class RestCustomDomain extends Construct {
  public readonly certificate: acm.Certificate;
  public readonly domain: apigw.DomainName;
  public readonly record: route53.ARecord;
  public readonly basePath: string;

  public constructor(scope: Construct, id: string, props: RestCustomDomainProps) {
    super(scope, id);
    if (props.endpointType === 'private') {
      throw new PropError(this, 'endpointType', '= private: a private API cannot have this public custom domain; use regional or edge');
    }
    const region = Stack.of(this).region;
    if (props.endpointType === 'edge' && (Token.isUnresolved(region) || region !== 'us-east-1')) {
      throw new PropError(
        this,
        'endpointType',
        `= edge needs the certificate in us-east-1, and this stack's region is ${Token.isUnresolved(region) ? 'not set (environment-agnostic)' : region}: deploy it with env region us-east-1, or use a regional endpoint`,
      );
    }
    this.basePath = props.basePath;
    if (!/^[A-Za-z0-9._-]+$/.test(this.basePath))
      throw new PropError(this, 'basePath', `= ${JSON.stringify(this.basePath)}: allowed letters, digits, ., _ and -`);
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
    this.domain = new apigw.DomainName(this, 'DomainName', {
      domainName: props.domainName,
      certificate: this.certificate,
      endpointType: props.endpointType === 'edge' ? apigw.EndpointType.EDGE : apigw.EndpointType.REGIONAL,
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });
    this.domain.addBasePathMapping(props.api, { basePath: this.basePath, stage: props.stage });
    this.record = new route53.ARecord(this, 'Alias', {
      zone: props.hostedZone,
      recordName: `${props.domainName}.`,
      target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(this.domain)),
    });
  }

  /** The versioned base URL (`https://api.example.com/v1/`). */
  public get url(): string {
    return `https://${this.domain.domainName}/${this.basePath}/`;
  }
}
