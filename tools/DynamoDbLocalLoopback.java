import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts AWS's DynamoDB Local bound to 127.0.0.1 only.
 *
 * DynamoDB Local has no bind-address option and listens on every interface; every server the
 * project's tests and scripts start listens on loopback only (docs/architecture.md). This
 * launcher builds the server exactly as DynamoDB Local's own main() does, then points its Jetty
 * connector at 127.0.0.1 before start.
 * Run in source-file mode: java -cp 'DynamoDBLocal.jar:DynamoDBLocal_lib/*' DynamoDbLocalLoopback.java -inMemory -port N
 */
public class DynamoDbLocalLoopback {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector connector : jetty.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on 127.0.0.1");
        proxy.join();
    }
}
