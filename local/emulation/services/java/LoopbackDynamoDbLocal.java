/*
 * Starts DynamoDB Local listening on one address only (127.0.0.1 unless -Dfluxo.bindHost says
 * otherwise). DynamoDB Local 2.x has no option for its bind address: its DynamoDBProxyServer builds
 * a Jetty Server from the port alone, whose one ServerConnector listens on every interface. This
 * launcher does what ServerRunner.main does (parse the same arguments, configure telemetry,
 * start), but sets the connector's host before the server starts. Compiled by fluxo
 * (local/services/dynamodb-local.ts) against the DynamoDB Local jars it runs with.
 */
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.monitoring.Telemetry;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    String host = System.getProperty("fluxo.bindHost", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    if (proxy == null) throw new IllegalStateException("DynamoDB Local did not accept its arguments");
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) throw new IllegalStateException("unexpected connector " + connector.getClass().getName());
      ((ServerConnector) connector).setHost(host);
    }
    // fluxo always passes -disableTelemetry; ServerRunner.main configures telemetry before start too.
    Telemetry.configureTelemetry("fluxo", "fluxo", false);
    proxy.start();
    System.out.println("fluxo: DynamoDB Local listens on " + host + " only");
  }
}
