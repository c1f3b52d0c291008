// Generates authorder.txt, the golden orders in which ZooKeeper iterates a
// connection's authenticated ids (ServerCnxn.authInfo, a set over a
// ConcurrentHashMap, holding the connection's ip id first) that tree's
// AddAuthID must reproduce for the other ids:
//   java -cp /usr/share/java/zookeeper.jar JavaAuthOrder.java > authorder.txt
// Each line: the ids added in order, "=", then the set's order without ip.
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.data.Id;

public class JavaAuthOrder {
    public static void main(String[] args) {
        Random rnd = new Random(7);
        String[] users = {"alice", "bob", "carol", "nocolon", "x", "super", "u1", "u2", "admin", "zk"};
        for (int run = 0; run < 300; run++) {
            Set<Id> set = Collections.newSetFromMap(new ConcurrentHashMap<Id, Boolean>());
            set.add(new Id("ip", "127.0.0.1"));
            int n = 1 + rnd.nextInt(10);
            List<String> added = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = users[rnd.nextInt(users.length)] + ":" + Integer.toHexString(rnd.nextInt(1 << 20));
                if (rnd.nextInt(4) == 0 && !added.isEmpty()) {
                    id = added.get(rnd.nextInt(added.size())); // added again
                }
                added.add(id);
                set.add(new Id("digest", id));
            }
            StringBuilder out = new StringBuilder(String.join(" ", added)).append(" =");
            for (Id id : set) {
                if (!id.getScheme().equals("ip")) {
                    out.append(' ').append(id.getId());
                }
            }
            System.out.println(out);
        }
    }
}
